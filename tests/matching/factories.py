"""Tiny catalogues for matching tests: demands and supplies with chosen texts."""

from tests import factories


def make_demand(org=None, *, title, description, chain="机器人", demand_type="技术攻关", budget_wan=200, **kw):
    demand_list = factories.DemandListFactory(organization=org) if org else factories.DemandListFactory()
    return factories.DemandFactory(
        demand_list=demand_list,
        title=title,
        description=description,
        chain=factories.chain(chain),
        demand_type=demand_type,
        budget_wan=budget_wan,
        **kw,
    )


def make_supply(org=None, *, title, description, chain="机器人", supply_type="产品", price_wan=50, **kw):
    menu = factories.SupplyMenuFactory(organization=org) if org else factories.SupplyMenuFactory()
    return factories.SupplyFactory(
        menu=menu,
        title=title,
        description=description,
        chain=factories.chain(chain),
        supply_type=supply_type,
        price_wan=price_wan,
        **kw,
    )


SUPPLY_TEXTS = [
    (
        "户外轮式变电站智能巡检机器人",
        "搭载可见光与红外双光云台，识别表计读数，红外测温，适应低温雨雪天气。",
        "机器人",
        "产品",
        45,
    ),
    ("配电室挂轨式巡检机器人", "沿室内轨道运行，对开关柜进行温度和表计巡视。", "机器人", "产品", 15),
    ("工业机器人操作与编程技能培训", "面向企业一线员工开展示教编程与维护保养培训。", "机器人", "服务", 1),
    ("核心企业信用应收账款保理融资", "为上游供应商提供无追索保理融资，无需抵押。", "新一代信息技术", "资本", 5000),
    ("中药提取液MVR低温浓缩系统", "机械蒸汽再压缩回收二次蒸汽潜热，低温连续浓缩，节省蒸汽。", "节能环保", "产品", 280),
]


def make_catalog(park_org=None, supplier_org=None):
    """Two demands and five supplies with distinct topics."""
    demands = [
        make_demand(
            park_org,
            title="变电站巡视机器人采购",
            description="变电站人少站多，拟采购户外巡视机器人，要求识别表计读数和红外测温。",
            demand_type="设备采购",
            budget_wan=180,
        ),
        make_demand(
            park_org,
            title="中药提取车间浓缩慢",
            description="老式浓缩罐蒸汽消耗大。希望改造浓缩环节，降低蒸汽消耗。",
            chain="生物医药",
            budget_wan=300,
        ),
    ]
    supplies = [
        make_supply(supplier_org, title=t, description=d, chain=c, supply_type=st, price_wan=p)
        for t, d, c, st, p in SUPPLY_TEXTS
    ]
    return demands, supplies

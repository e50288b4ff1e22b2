"""需求 and 供给 described as data: one Kind each, so services, views, API, admin and import are written once.

Only the true differences between the two live here (the type and amount fields, the deadline and
sealed bids of a demand, the words, statuses and url names); everything else reads them.
"""

from dataclasses import dataclass

from catalog.models import Demand, DemandList, DemandType, Supply, SupplyMenu, SupplyType


@dataclass(frozen=True)
class Kind:
    key: str  # "demands" / "supplies" (ImportJob.Kind, import templates)
    model: type
    list_model: type
    list_fk: str  # the item's foreign key to its list/menu
    items_related: str  # the list's reverse accessor to its items
    fields: tuple  # what a form, the API and an import may write
    type_field: str
    amount_field: str
    material_fields: tuple  # changing one after bids arrived flags them 待确认
    summary_fields: tuple  # shown beside the title in admin lists and inlines
    item_word: str  # 需求 / 供给
    list_word: str  # 需求清单 / 供给菜单
    list_short: str  # 清单 / 菜单
    close_verb: str  # 关闭 / 下架
    item_open_statuses: tuple
    item_closed_status: str
    list_published_status: str
    columns: dict  # import/export column of each written field, in sheet order
    url: dict  # url names (namespace catalog)
    item_var: str  # template context name of one item
    list_var: str  # template context name of one list/menu

    @property
    def has_bids(self):
        return self.model is Demand

    @property
    def audit_fields(self):
        return self.fields + ("region", "status")

    @property
    def headers(self):
        return list(self.columns.values())

    def column(self, field):
        """The sheet column a field's problem is reported under (the title column for row-wide ones)."""
        return self.columns.get(field) or self.columns["title"]


def _columns(item_word, list_short, org_word, typed, *extra):
    """Import/export columns (part of the public interface: keep the Chinese names exact)."""
    type_field, amount_field, amount_word = typed
    columns = {
        "list_name": f"{list_short}名称",
        "organization": org_word,
        "region": "所在地区",
        "title": f"{item_word}名称",
        "description": f"{item_word}描述",
        "chain": "产业链",
        type_field: f"{item_word}类型",
        amount_field: f"{amount_word}（万元）",
    }
    columns.update(dict(extra))
    columns.update({"contact_name": "联系人", "contact_phone": "联系电话"})
    return columns


def _urls(item, container):
    """Url names of one kind's pages: catalog:<item>_detail, catalog:<container>_publish …"""
    names = {action: f"catalog:{item}_{action}" for action in ("list", "detail", "create", "edit", "close", "delete")}
    names["export"] = f"catalog:{item}_export"
    for action in ("create", "detail", "edit", "publish", "close"):
        names[f"container_{action}"] = f"catalog:{container}_{action}"
    names["container_item_create"] = f"catalog:{container}_{item}_create"
    return names


DEMAND = Kind(
    key="demands",
    model=Demand,
    list_model=DemandList,
    list_fk="demand_list",
    items_related="demands",
    fields=(
        "title",
        "description",
        "chain",
        "demand_type",
        "budget_wan",
        "deadline",
        "contact_name",
        "contact_phone",
        "is_open_bidding",
    ),
    type_field="demand_type",
    amount_field="budget_wan",
    material_fields=("description", "budget_wan", "deadline", "demand_type"),
    summary_fields=("demand_type", "budget_wan", "deadline"),
    item_word="需求",
    list_word="需求清单",
    list_short="清单",
    close_verb="关闭",
    item_open_statuses=(Demand.Status.COLLECTING, Demand.Status.MATCHING),
    item_closed_status=Demand.Status.CLOSED,
    list_published_status=DemandList.Status.COLLECTING,
    columns=_columns("需求", "清单", "发布单位", ("demand_type", "budget_wan", "预算"), ("deadline", "截止日期")),
    url=_urls("demand", "demandlist"),
    item_var="demand",
    list_var="demand_list",
)

SUPPLY = Kind(
    key="supplies",
    model=Supply,
    list_model=SupplyMenu,
    list_fk="menu",
    items_related="supplies",
    fields=(
        "title",
        "description",
        "chain",
        "supply_type",
        "price_wan",
        "maturity",
        "contact_name",
        "contact_phone",
    ),
    type_field="supply_type",
    amount_field="price_wan",
    material_fields=(),
    summary_fields=("supply_type", "price_wan", "maturity"),
    item_word="供给",
    list_word="供给菜单",
    list_short="菜单",
    close_verb="下架",
    item_open_statuses=(Supply.Status.ACTIVE,),
    item_closed_status=Supply.Status.CLOSED,
    list_published_status=SupplyMenu.Status.PUBLISHED,
    columns=_columns("供给", "菜单", "供给单位", ("supply_type", "price_wan", "参考价格")),
    url=_urls("supply", "supplymenu"),
    item_var="supply",
    list_var="menu",
)

KINDS = {DEMAND.key: DEMAND, SUPPLY.key: SUPPLY}
TYPE_VALUES = {DEMAND.key: tuple(DemandType.values), SUPPLY.key: tuple(SupplyType.values)}


def kind_of(obj):
    """The Kind of an item, a list/menu, or their model class."""
    model = obj if isinstance(obj, type) else type(obj)
    for kind in KINDS.values():
        if model in (kind.model, kind.list_model):
            return kind
    raise LookupError(model)

"""Reference mappings shared by the data migration and the demo loader: the 上中下游 position of
each 环节, and the record each existing 人才团队/技术成果/资本 supply becomes.

Functions take the model classes as arguments so a migration can pass its historical models.
"""

# 环节 → (position, one-line description). Segments not listed default to 中游.
SEGMENT_POSITIONS = {
    # 新一代信息技术
    "电子元器件": ("up", "芯片、元器件与基础材料"),
    "通信设备": ("mid", "通信网络与终端设备"),
    "软件与信息服务": ("mid", "基础软件与行业软件"),
    "大数据": ("down", "数据服务与行业应用"),
    # 高分子材料
    "工程塑料": ("up", "基础树脂与改性料"),
    "功能膜材料": ("mid", "薄膜与膜材料加工"),
    "涂料与胶粘剂": ("down", "涂料、胶粘剂与应用"),
    # 金属新材料
    "稀土与磁材": ("up", "稀土冶炼与磁性材料"),
    "高端钢材": ("mid", "特钢与高端板材"),
    "铝合金": ("mid", "铝合金材料与加工"),
    # 新能源汽车
    "动力电池": ("up", "电芯、模组与电池材料"),
    "电驱电控": ("mid", "电机、电控与三电系统"),
    "智能网联": ("down", "智能座舱、自动驾驶与车联网"),
    # 医疗装备和创新药
    "创新药": ("up", "药物发现与临床研究"),
    "医疗器械": ("mid", "医疗设备与耗材制造"),
    "体外诊断": ("down", "诊断试剂与检测服务"),
    # 工程机械
    "关键零部件": ("up", "液压件、传动件与控制器"),
    "起重机械": ("mid", "起重机整机"),
    "挖掘机械": ("mid", "挖掘与装载整机"),
    # 能源装备
    "电力装备": ("mid", "输变电与电力设备"),
    "氢能装备": ("mid", "制氢、储氢与加氢装备"),
    "光伏与储能": ("down", "光伏电站与储能应用"),
    # 农机装备
    "农机零部件": ("up", "农机传动与作业部件"),
    "智能农机": ("mid", "智能农机整机"),
    # 海工装备
    "船舶": ("mid", "船舶设计与建造"),
    "海洋工程平台": ("mid", "海洋平台与海工装备"),
    "海洋牧场装备": ("down", "海洋牧场与渔业装备"),
    # 智能家居
    "智能安防": ("mid", "门锁、摄像与安防设备"),
    "智能家电": ("mid", "智能家电整机"),
    "全屋智能": ("down", "全屋智能方案与服务"),
    # 集成电路
    "芯片设计": ("up", "EDA、IP 与芯片设计"),
    "半导体设备与材料": ("up", "设备、材料与零部件"),
    "晶圆制造": ("mid", "晶圆代工与制造"),
    "封装测试": ("down", "封装、测试与模组"),
    # 第三代半导体
    "碳化硅": ("mid", "碳化硅衬底、外延与器件"),
    "氮化镓": ("mid", "氮化镓外延与器件"),
    # 机器人
    "工业机器人": ("mid", "工业机器人本体"),
    "协作机器人": ("mid", "协作机器人本体"),
    "特种机器人": ("mid", "巡检、消防等特种机器人"),
    "无人机": ("mid", "无人机整机"),
    # 工业互联网/智能制造
    "工业软件": ("up", "研发设计与生产控制软件"),
    "工业互联网平台": ("mid", "平台、标识解析与数据采集"),
    "智能工厂": ("down", "智能产线与工厂集成"),
}

# Extra 环节 the demo adds where a chain's taxonomy lists only one tier (parent name → segments).
DEMO_SEGMENTS = {
    "机器人": [
        ("精密减速器", "up", "RV、谐波减速器", "减速器 RV 谐波 精密传动"),
        ("伺服系统", "up", "伺服电机与驱动器", "伺服 电机 驱动器 编码器"),
        ("控制器与传感器", "up", "运动控制器、力觉与视觉传感", "控制器 传感器 力控 视觉 力觉"),
        ("机器人系统集成", "down", "产线集成与行业应用", "系统集成 工作站 产线 集成商"),
    ],
    "第三代半导体": [
        ("衬底与外延材料", "up", "碳化硅/氮化镓衬底与外延片", "衬底 外延 长晶 晶锭 切片"),
        ("功率模块与应用", "down", "功率模块、车载与光伏应用", "功率模块 封装 车规 逆变器 充电"),
    ],
}

# 技术成果 maturity → TRL (GB/T 22900) when a supply becomes a 科技成果 record.
MATURITY_TRL = {"实验室": 4, "中试": 6, "小批量": 7, "量产": 9}


def seed_positions(IndustryChain, SegmentPosition):
    """Give every 环节 a position (listed ones as listed, others 中游). Idempotent."""
    for segment in IndustryChain.objects.filter(parent__isnull=False):
        position, description = SEGMENT_POSITIONS.get(segment.name, ("mid", ""))
        SegmentPosition.objects.get_or_create(
            segment=segment, defaults={"position": position, "description": description}
        )


LINKED_SUPPLY_TYPES = ("人才团队", "技术成果", "资本")


def records_from_supplies(Supply, TalentItem, AchievementItem, InvestorItem, supply_ids=None):
    """Create the directory record of each 人才团队/技术成果/资本 supply that has none (all of them,
    or those in `supply_ids`). Idempotent. Returns the number of records created per kind.
    """
    created = {"talent": 0, "achievement": 0, "investor": 0}
    base = Supply.objects.select_related("chain")
    if supply_ids is not None:
        base = base.filter(pk__in=supply_ids)
    for s in base.filter(supply_type="人才团队", talent_item__isnull=True):
        TalentItem.objects.create(
            name=s.title[:120],
            kind="team",
            organization_id=s.organization_id,
            research=s.description[:2000],
            chain_id=s.chain_id,
            willingness="cooperation",
            contact_name=s.contact_name,
            contact_phone=s.contact_phone,
            supply=s,
        )
        created["talent"] += 1
    for s in base.filter(supply_type="技术成果", achievement_item__isnull=True):
        AchievementItem.objects.create(
            title=s.title[:200],
            organization_id=s.organization_id,
            chain_id=s.chain_id,
            description=s.description[:3000],
            trl=MATURITY_TRL.get(s.maturity, 3),
            price_wan=s.price_wan,
            contact_name=s.contact_name,
            contact_phone=s.contact_phone,
            supply=s,
        )
        created["achievement"] += 1
    for s in base.filter(supply_type="资本", investor_item__isnull=True):
        item = InvestorItem.objects.create(
            name=s.title[:120],
            organization_id=s.organization_id,
            description=s.description[:2000],
            ticket_max_wan=s.price_wan,
            contact_name=s.contact_name,
            contact_phone=s.contact_phone,
            supply=s,
        )
        item.chains.set([s.chain_id])
        created["investor"] += 1
    return created

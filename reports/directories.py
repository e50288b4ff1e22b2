"""The five resource directories (人才、科技成果、资本、政策、平台) described as data.

Each kind says which model it lists, who owns it (an organisation, or staff), its import/export
columns (Chinese names are part of the public interface) and how a cell becomes a value. The
list, detail, edit, import, template and export views are written once over these descriptors.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from accounts.models import Organization
from catalog.models import DemandType, IndustryChain, Region
from reports.models import (
    TRL_LEVELS,
    AchievementItem,
    InvestorItem,
    PlatformItem,
    PolicyItem,
    Stage,
    TalentItem,
    TransferMode,
    Willingness,
)


class CellError(ValueError):
    """A cell that cannot be read; the message says what is expected, in Chinese."""


@dataclass
class Column:
    header: str
    field: str
    parse: str = "text"  # text | int | decimal | date | bool | choice | choices | chain | chains | region | org
    required: bool = False
    choices: tuple = ()  # (value, label) pairs for choice/choices
    example: str = ""
    max_length: int = 0

    def read(self, raw, *, chains, regions, orgs):
        text = "" if raw is None else str(raw).strip()
        if isinstance(raw, (datetime.datetime, datetime.date)):
            text = raw.strftime("%Y-%m-%d")
        if isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))
        if not text:
            if self.required:
                raise CellError("必填，不能为空")
            if self.parse in ("choices", "chains"):
                return []
            if self.parse == "bool":
                return False
            return "" if self.parse in ("text", "choice") else None
        if self.parse == "text":
            if self.max_length and len(text) > self.max_length:
                raise CellError(f"不能超过 {self.max_length} 个字（现有 {len(text)} 个）")
            return text
        if self.parse == "int":
            if not text.isdigit():
                raise CellError(f"应为整数，实际是「{text[:20]}」")
            return int(text)
        if self.parse == "decimal":
            try:
                value = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise CellError(f"应为数字，实际是「{text[:20]}」") from None
            if value < 0 or not value.is_finite():
                raise CellError("不能为负数")
            return value
        if self.parse == "date":
            for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
                try:
                    return datetime.datetime.strptime(text[:10], fmt).date()
                except ValueError:
                    continue
            raise CellError(f"应为日期（如 2027-06-30），实际是「{text[:20]}」")
        if self.parse == "bool":
            if text in ("是", "公开", "Y", "y", "1"):
                return True
            if text in ("否", "不公开", "N", "n", "0"):
                return False
            raise CellError("请填写“是”或“否”")
        if self.parse in ("choice", "choices"):
            by_label = {label: value for value, label in self.choices}
            by_label.update({str(value): value for value, _ in self.choices})
            parts = [p.strip() for p in text.replace("，", "、").replace(",", "、").split("、") if p.strip()]
            if self.parse == "choice":
                parts = [text]
            values = []
            for part in parts:
                if part not in by_label:
                    raise CellError(f"「{part[:20]}」不是可选值，可选：{'、'.join(label for _, label in self.choices)}")
                values.append(by_label[part])
            return values[0] if self.parse == "choice" else values
        if self.parse in ("chain", "chains"):
            parts = [p.strip() for p in text.replace("，", "、").replace(",", "、").split("、") if p.strip()]
            values = []
            for part in parts:
                if part not in chains:
                    raise CellError(f"找不到产业链或环节「{part[:20]}」，请填写平台产业链目录中的名称")
                values.append(chains[part])
            return values[0] if self.parse == "chain" else values
        if self.parse == "region":
            if text not in regions:
                raise CellError(f"找不到地区「{text[:20]}」，请填写如“山东省济宁市”的全称")
            return regions[text]
        if self.parse == "org":
            if text not in orgs:
                raise CellError(f"找不到单位「{text[:40]}」，请填写平台上已注册的单位全称")
            return orgs[text]
        raise CellError("无法识别")  # pragma: no cover - descriptor error


CONTACT_COLUMNS = [
    Column("联系人", "contact_name", max_length=50, example="张老师"),
    Column("联系电话", "contact_phone", max_length=30, example="010-62781234"),
    Column("电子邮箱", "contact_email", max_length=254, example="zhang@example.cn"),
    Column("公开联系方式", "is_contact_public", "bool", example="否"),
]
ORG_COLUMN = Column("所属单位", "organization", "org", example="")  # members: blank = their own
ORG_KIND_CHOICES = tuple(Organization.Kind.choices)
PROJECT_KIND_CHOICES = tuple(DemandType.choices)


@dataclass
class Directory:
    key: str
    label: str
    model: type
    columns: list
    org_owned: bool  # True: records belong to an organisation; False: staff-maintained
    title_field: str
    list_fields: list = field(default_factory=list)  # (header, accessor) shown in the list and export
    search_fields: tuple = ()
    m2m: tuple = ()
    has_contacts: bool = True

    @property
    def verbose(self):
        return self.model._meta.verbose_name_plural


def _chain_name(item):
    return item.chain.name if getattr(item, "chain_id", None) else ""


def _chains_text(item):
    return "、".join(c.name for c in item.chains.all())


def _amount(value):
    return "" if value is None else f"{value.normalize():f}"


DIRECTORIES = {
    "talent": Directory(
        key="talent",
        label="人才",
        model=TalentItem,
        org_owned=True,
        title_field="name",
        search_fields=("name", "research", "title"),
        columns=[
            Column("姓名/团队名称", "name", required=True, max_length=120, example="先进功率器件团队"),
            Column("类型", "kind", "choice", required=True, choices=tuple(TalentItem.Kind.choices), example="团队"),
            ORG_COLUMN,
            Column("职称/头衔", "title", max_length=100, example="教授、博士生导师"),
            Column("研究方向", "research", required=True, max_length=2000, example="碳化硅功率器件设计与可靠性"),
            Column("产业链/环节", "chain", "chain", required=True, example="碳化硅"),
            Column("代表性成果", "achievements", max_length=3000, example="国家技术发明二等奖；授权发明专利12项"),
            Column(
                "合作意愿",
                "willingness",
                "choice",
                required=True,
                choices=tuple(Willingness.choices),
                example="项目合作",
            ),
            *CONTACT_COLUMNS,
        ],
        list_fields=[
            ("姓名/团队名称", lambda i: i.name),
            ("类型", lambda i: i.get_kind_display()),
            ("所属单位", lambda i: i.organization.name),
            ("职称/头衔", lambda i: i.title),
            ("产业链/环节", _chain_name),
            ("研究方向", lambda i: i.research),
            ("合作意愿", lambda i: i.get_willingness_display()),
        ],
    ),
    "achievement": Directory(
        key="achievement",
        label="科技成果",
        model=AchievementItem,
        org_owned=True,
        title_field="title",
        search_fields=("title", "description", "patents"),
        columns=[
            Column("成果名称", "title", required=True, max_length=200, example="8英寸碳化硅衬底低损伤抛光工艺"),
            ORG_COLUMN,
            Column("产业链/环节", "chain", "chain", required=True, example="碳化硅"),
            Column("成果简介", "description", required=True, max_length=3000, example="化学机械抛光去除速率提高40%"),
            Column(
                "技术就绪水平",
                "trl",
                "choice",
                required=True,
                choices=tuple((level, str(level)) for level in TRL_LEVELS),
                example="6",
            ),
            Column("专利号", "patents", max_length=2000, example="ZL202310000001.X"),
            Column("转化方式", "transfer_mode", "choice", choices=tuple(TransferMode.choices), example="许可"),
            Column("参考价格（万元）", "price_wan", "decimal", example="300"),
            *CONTACT_COLUMNS,
        ],
        list_fields=[
            ("成果名称", lambda i: i.title),
            ("持有单位", lambda i: i.organization.name),
            ("产业链/环节", _chain_name),
            ("技术就绪水平", lambda i: f"{i.trl} 级 · {i.trl_name}"),
            ("专利数", lambda i: len(i.patent_numbers)),
            ("转化方式", lambda i: i.get_transfer_mode_display()),
            ("参考价格（万元）", lambda i: i.price_wan),
        ],
    ),
    "investor": Directory(
        key="investor",
        label="资本",
        model=InvestorItem,
        org_owned=True,
        title_field="name",
        search_fields=("name", "description", "region_preference"),
        m2m=("chains",),
        columns=[
            Column("投资机构/基金", "name", required=True, max_length=120, example="京鲁硬科技成长基金"),
            ORG_COLUMN,
            Column("基金规模（亿元）", "fund_size_yi", "decimal", example="20"),
            Column("投资阶段", "stages", "choices", choices=tuple(Stage.choices), example="A轮、B轮"),
            Column("关注产业链", "chains", "chains", required=True, example="第三代半导体、集成电路"),
            Column("单笔投资下限（万元）", "ticket_min_wan", "decimal", example="1000"),
            Column("单笔投资上限（万元）", "ticket_max_wan", "decimal", example="8000"),
            Column("地域偏好", "region_preference", max_length=200, example="山东、京津冀"),
            Column("投资方向", "description", max_length=2000, example="功率半导体、先进封装"),
            *CONTACT_COLUMNS,
        ],
        list_fields=[
            ("投资机构/基金", lambda i: i.name),
            ("所属单位", lambda i: i.organization.name),
            ("基金规模（亿元）", lambda i: i.fund_size_yi),
            ("投资阶段", lambda i: "、".join(i.stage_labels)),
            ("关注产业链", _chains_text),
            ("单笔投资（万元）", lambda i: f"{_amount(i.ticket_min_wan)}–{_amount(i.ticket_max_wan)}".strip("–")),
            ("地域偏好", lambda i: i.region_preference),
        ],
    ),
    "policy": Directory(
        key="policy",
        label="政策",
        model=PolicyItem,
        org_owned=False,
        title_field="title",
        search_fields=("title", "issuer", "summary", "conditions"),
        m2m=("chains",),
        has_contacts=False,
        columns=[
            Column("政策名称", "title", required=True, max_length=200, example="青岛市支持集成电路产业发展若干政策"),
            Column("发布机关", "issuer", required=True, max_length=120, example="青岛市人民政府"),
            Column("适用地区", "region", "region", example="山东省青岛市"),
            Column("适用产业链", "chains", "chains", example="集成电路、第三代半导体"),
            Column("发布日期", "published_on", "date", example="2027-01-15"),
            Column("有效期起", "valid_from", "date", example="2027-01-15"),
            Column("有效期止", "valid_to", "date", example="2029-12-31"),
            Column("适用单位类型", "org_kinds", "choices", choices=ORG_KIND_CHOICES, example="企业、高校院所"),
            Column(
                "适用项目类型", "project_kinds", "choices", choices=PROJECT_KIND_CHOICES, example="技术攻关、设备采购"
            ),
            Column("项目投资额不低于（万元）", "min_investment_wan", "decimal", example="500"),
            Column("最高支持金额（万元）", "max_support_wan", "decimal", example="1000"),
            Column("支持内容", "support_items", max_length=3000, example="设备投资补助 按投资额10% 最高1000万元"),
            Column("申报条件", "conditions", max_length=3000, example="在本市注册并纳税的企业"),
            Column("要点", "summary", max_length=2000, example=""),
            Column("原文链接", "url", max_length=200, example=""),
        ],
        list_fields=[
            ("政策名称", lambda i: i.title),
            ("发布机关", lambda i: i.issuer),
            ("适用地区", lambda i: str(i.region) if i.region_id else "不限"),
            ("适用产业链", lambda i: _chains_text(i) or "不限"),
            ("有效期", lambda i: _validity(i)),
            ("最高支持金额（万元）", lambda i: i.max_support_wan),
        ],
    ),
    "platform": Directory(
        key="platform",
        label="平台",
        model=PlatformItem,
        org_owned=False,
        title_field="name",
        search_fields=("name", "description", "services", "equipment"),
        m2m=("chains",),
        columns=[
            Column("平台名称", "name", required=True, max_length=200, example="北京功率半导体可靠性检测中心"),
            Column(
                "平台类型",
                "kind",
                "choice",
                required=True,
                choices=tuple(PlatformItem.Kind.choices),
                example="公共服务平台",
            ),
            ORG_COLUMN,
            Column("所在地区", "region", "region", example="北京市海淀区"),
            Column("服务产业链", "chains", "chains", example="第三代半导体"),
            Column("服务内容", "services", max_length=2000, example="AEC-Q101 可靠性测试、失效分析"),
            Column("主要设备", "equipment", max_length=2000, example="高温反偏测试系统 12 台"),
            Column("服务能力", "capacity", max_length=200, example="每月 2000 只器件"),
            Column("简介", "description", max_length=2000, example=""),
            Column("网址", "url", max_length=200, example=""),
            *CONTACT_COLUMNS,
        ],
        list_fields=[
            ("平台名称", lambda i: i.name),
            ("平台类型", lambda i: i.get_kind_display()),
            ("依托单位", lambda i: i.organization.name if i.organization_id else ""),
            ("所在地区", lambda i: str(i.region) if i.region_id else ""),
            ("服务产业链", _chains_text),
            ("服务内容", lambda i: i.services),
            ("服务能力", lambda i: i.capacity),
        ],
    ),
}


def _validity(policy):
    if not (policy.valid_from or policy.valid_to):
        return "长期有效"
    start = f"{policy.valid_from:%Y年%m月%d日}" if policy.valid_from else ""
    end = f"{policy.valid_to:%Y年%m月%d日}" if policy.valid_to else "长期"
    return f"{start}至{end}"


def get_directory(key):
    return DIRECTORIES.get(key)


def lookup_tables():
    """Name → object tables the columns resolve against (one query each)."""
    chains = {c.name: c for c in IndustryChain.objects.all()}
    regions = {r.full_name: r for r in Region.objects.all()}
    orgs = {o.name: o for o in Organization.objects.all()}
    return {"chains": chains, "regions": regions, "orgs": orgs}

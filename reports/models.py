"""The resource directories behind the 六图谱 (人才、科技成果、资本、政策、平台), the 上中下游
position of each 环节, and the weights and reviews of the 四评价."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Willingness(models.TextChoices):
    PART_TIME = "part_time", "兼职"
    COOPERATION = "cooperation", "项目合作"
    FULL_TIME = "full_time", "全职引进"


class TransferMode(models.TextChoices):
    LICENSE = "license", "许可"
    ASSIGNMENT = "assignment", "转让"
    EQUITY = "equity", "作价入股"
    JOINT = "joint", "合作开发"


class Stage(models.TextChoices):
    ANGEL = "angel", "天使轮"
    A = "a", "A轮"
    B = "b", "B轮"
    C = "c", "C轮"
    PRE_IPO = "pre_ipo", "Pre-IPO"


# GB/T 22900-2022《科学技术研究项目评价通则》技术就绪水平
TRL_LEVELS = {
    1: "基本原理被发现和阐述",
    2: "形成技术概念或应用方案",
    3: "关键功能和特性通过分析和实验验证",
    4: "实验室环境下完成原理样机验证",
    5: "相关环境下完成部件/系统验证",
    6: "相关环境下完成系统/原型验证（中试）",
    7: "实际使用环境下完成原型验证",
    8: "系统完成并通过试验和鉴定",
    9: "实际应用/规模化",
}
TRL_CHOICES = [(level, f"{level} 级 · {name}") for level, name in TRL_LEVELS.items()]


class Position(models.TextChoices):
    UPSTREAM = "up", "上游"
    MIDSTREAM = "mid", "中游"
    DOWNSTREAM = "down", "下游"


class SegmentPosition(models.Model):
    """Where a 环节 sits in its chain (上游/中游/下游): the column of the chain panorama."""

    segment = models.OneToOneField(
        "catalog.IndustryChain", verbose_name="环节", on_delete=models.CASCADE, related_name="position_entry"
    )
    position = models.CharField("产业链位置", max_length=4, choices=Position.choices)
    description = models.CharField("环节说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "环节位置"
        verbose_name_plural = "环节位置（上中下游）"

    def __str__(self):
        return f"{self.segment} · {self.get_position_display()}"


class _Contact(models.Model):
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    contact_email = models.EmailField("电子邮箱", blank=True)
    is_contact_public = models.BooleanField("公开联系方式", default=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class TalentItem(_Contact):
    class Kind(models.TextChoices):
        PERSON = "person", "个人"
        TEAM = "team", "团队"

    name = models.CharField("姓名/团队名称", max_length=120)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.TEAM)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="所属单位",
        on_delete=models.CASCADE,
        related_name="talent_items",
    )
    title = models.CharField("职称/头衔", max_length=100, blank=True)
    research = models.TextField("研究方向", max_length=2000)
    chain = models.ForeignKey(
        "catalog.IndustryChain", verbose_name="产业链/环节", on_delete=models.PROTECT, related_name="talent_items"
    )
    achievements = models.TextField("代表性成果", blank=True, max_length=3000)
    willingness = models.CharField(
        "合作意愿", max_length=12, choices=Willingness.choices, default=Willingness.COOPERATION
    )
    supply = models.OneToOneField(
        "catalog.Supply",
        verbose_name="对应供给",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talent_item",
    )

    class Meta:
        verbose_name = "人才"
        verbose_name_plural = "人才名录"
        ordering = ["chain__sort_order", "name", "id"]

    def __str__(self):
        return self.name


class AchievementItem(_Contact):
    title = models.CharField("成果名称", max_length=200)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="持有单位", on_delete=models.CASCADE, related_name="achievement_items"
    )
    chain = models.ForeignKey(
        "catalog.IndustryChain", verbose_name="产业链/环节", on_delete=models.PROTECT, related_name="achievement_items"
    )
    description = models.TextField("成果简介", max_length=3000)
    trl = models.PositiveSmallIntegerField(
        "技术就绪水平", choices=TRL_CHOICES, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    patents = models.TextField("专利（每行一个专利号）", blank=True, max_length=2000)
    transfer_mode = models.CharField("转化方式", max_length=12, choices=TransferMode.choices, blank=True)
    price_wan = models.DecimalField(
        "参考价格（万元）", max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    supply = models.OneToOneField(
        "catalog.Supply",
        verbose_name="对应供给",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="achievement_item",
    )

    class Meta:
        verbose_name = "科技成果"
        verbose_name_plural = "科技成果名录"
        ordering = ["chain__sort_order", "-trl", "id"]

    def __str__(self):
        return self.title

    @property
    def patent_numbers(self):
        return [line.strip() for line in self.patents.splitlines() if line.strip()]

    @property
    def trl_name(self):
        return TRL_LEVELS.get(self.trl, "")


class InvestorItem(_Contact):
    name = models.CharField("投资机构/基金", max_length=120)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="所属单位", on_delete=models.CASCADE, related_name="investor_items"
    )
    fund_size_yi = models.DecimalField(
        "基金规模（亿元）", max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    stages = models.JSONField("投资阶段", default=list, blank=True)
    chains = models.ManyToManyField("catalog.IndustryChain", verbose_name="关注产业链", related_name="investor_items")
    ticket_min_wan = models.DecimalField(
        "单笔投资下限（万元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    ticket_max_wan = models.DecimalField(
        "单笔投资上限（万元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    region_preference = models.CharField("地域偏好", max_length=200, blank=True)
    description = models.TextField("投资方向", blank=True, max_length=2000)
    supply = models.OneToOneField(
        "catalog.Supply",
        verbose_name="对应供给",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="investor_item",
    )

    class Meta:
        verbose_name = "资本"
        verbose_name_plural = "资本名录"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def stage_labels(self):
        labels = dict(Stage.choices)
        return [labels[s] for s in self.stages if s in labels]


class PolicyItem(models.Model):
    title = models.CharField("政策名称", max_length=200)
    issuer = models.CharField("发布机关", max_length=120)
    region = models.ForeignKey(
        "catalog.Region", verbose_name="适用地区", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chains = models.ManyToManyField("catalog.IndustryChain", verbose_name="相关产业链", blank=True, related_name="+")
    published_on = models.DateField("发布日期", null=True, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期止", null=True, blank=True)
    url = models.URLField("原文链接", blank=True)
    summary = models.TextField("要点", blank=True, max_length=2000)
    support_items = models.TextField("支持内容（每行一项，含金额）", blank=True, max_length=3000)
    max_support_wan = models.DecimalField(
        "最高支持金额（万元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    conditions = models.TextField("申报条件", blank=True, max_length=3000)
    # Structured conditions a rule can check against a demand (empty = no restriction).
    min_investment_wan = models.DecimalField(
        "项目投资额不低于（万元）",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    org_kinds = models.JSONField("适用单位类型", default=list, blank=True)
    project_kinds = models.JSONField("适用项目类型", default=list, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政策"
        verbose_name_plural = "政策图谱"
        ordering = ["-published_on", "-id"]

    def __str__(self):
        return self.title


class PlatformItem(_Contact):
    class Kind(models.TextChoices):
        LAB = "lab", "重点实验室"
        ENGINEERING = "engineering", "工程（技术）研究中心"
        INNOVATION = "innovation", "产业创新中心"
        PILOT = "pilot", "中试基地"
        INCUBATOR = "incubator", "孵化器/众创空间"
        SERVICE = "service", "公共服务平台"

    name = models.CharField("平台名称", max_length=200, unique=True)
    kind = models.CharField("平台类型", max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="依托单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="platforms",
        help_text="填写后，评价会计入该单位发布的供给和签约项目",
    )
    region = models.ForeignKey(
        "catalog.Region", verbose_name="所在地区", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chains = models.ManyToManyField("catalog.IndustryChain", verbose_name="服务产业链", blank=True, related_name="+")
    url = models.URLField("网址", blank=True)
    description = models.TextField("简介", blank=True, max_length=2000)
    services = models.TextField("服务内容", blank=True, max_length=2000)
    equipment = models.TextField("主要设备", blank=True, max_length=2000)
    capacity = models.CharField("服务能力", max_length=200, blank=True)

    class Meta:
        verbose_name = "平台"
        verbose_name_plural = "平台图谱"
        ordering = ["name"]

    def __str__(self):
        return self.name


class WeightSet(models.Model):
    """One version of an evaluation's indicator weights; the newest row of a kind is in force."""

    kind = models.CharField("评价", max_length=20)
    weights = models.JSONField("权重")
    note = models.CharField("调整说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="调整人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("调整时间", auto_now_add=True)

    class Meta:
        verbose_name = "评价权重"
        verbose_name_plural = "评价权重（历史版本）"
        ordering = ["kind", "-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} 权重 #{self.pk}"


class ReviewScore(models.Model):
    """A reviewer's score (0–100) of one indicator of one evaluated object; the newest one counts."""

    kind = models.CharField("评价", max_length=20)
    object_id = models.PositiveIntegerField("对象")
    indicator = models.CharField("指标", max_length=30)
    score = models.PositiveSmallIntegerField("评分", validators=[MaxValueValidator(100)])
    note = models.CharField("评审意见", max_length=500, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评审人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("评审时间", auto_now_add=True)

    class Meta:
        verbose_name = "评审打分"
        verbose_name_plural = "评审打分"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self):
        return f"{self.kind}#{self.object_id} {self.indicator}={self.score}"

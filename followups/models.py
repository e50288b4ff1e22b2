"""对接项目 (cases) followed from 推荐 through 意向、洽谈、签约 to 落地, with their timeline and documents."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Case(models.Model):
    class Stage(models.TextChoices):
        RECOMMENDED = "recommended", "推荐"
        INTENT = "intent", "意向"
        NEGOTIATING = "negotiating", "洽谈"
        SIGNED = "signed", "签约"
        LANDED = "landed", "落地"
        TERMINATED = "terminated", "终止"

    class Origin(models.TextChoices):
        MATCH = "match", "智能匹配"
        BID = "bid", "意向书"
        EVENT = "event", "对接会洽谈"
        MANUAL = "manual", "人工登记"

    demand = models.ForeignKey("catalog.Demand", verbose_name="需求", on_delete=models.PROTECT, related_name="cases")
    supply_org = models.ForeignKey(
        "accounts.Organization", verbose_name="供给单位", on_delete=models.PROTECT, related_name="supply_cases"
    )
    supply = models.ForeignKey(
        "catalog.Supply", verbose_name="供给", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    origin = models.CharField("来源", max_length=10, choices=Origin.choices)
    origin_ref = models.CharField("来源编号", max_length=50, blank=True, help_text="匹配/意向书/洽谈的编号")
    stage = models.CharField("阶段", max_length=12, choices=Stage.choices, default=Stage.RECOMMENDED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cases",
    )
    next_action = models.CharField("下一步", max_length=200, blank=True)
    next_action_at = models.DateField("下一步日期", null=True, blank=True)
    contract_amount_wan = models.DecimalField(
        "签约金额（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    signed_on = models.DateField("签约日期", null=True, blank=True)
    investment_amount_wan = models.DecimalField(
        "落地投资额（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    landed_location = models.ForeignKey(
        "catalog.Region", verbose_name="落地地点", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    landed_on = models.DateField("落地日期", null=True, blank=True)
    termination_reason = models.CharField("终止原因", max_length=200, blank=True)
    # First time the two sides actually met: the case reached 洽谈 or had a 对接会 meeting.
    # Reports count 已洽谈 from this, so a project met three times counts once.
    met_at = models.DateTimeField("首次洽谈时间", null=True, blank=True)
    last_activity_at = models.DateTimeField("最近活动", auto_now_add=True)
    is_stale = models.BooleanField("超过30天无进展", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "对接项目"
        verbose_name_plural = "对接项目"
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One open case per demand and supplying organisation: a pair met three times counts once.
            models.UniqueConstraint(fields=["demand", "supply_org"], name="case_unique_demand_supply_org"),
        ]
        indexes = [models.Index(fields=["stage", "next_action_at"]), models.Index(fields=["owner", "stage"])]

    def __str__(self):
        return f"{self.demand} ← {self.supply_org}（{self.get_stage_display()}）"

    # The main line of stages, in order; 终止 sits outside it.
    FLOW = [Stage.RECOMMENDED, Stage.INTENT, Stage.NEGOTIATING, Stage.SIGNED, Stage.LANDED]
    CLOSED_STAGES = {Stage.LANDED, Stage.TERMINATED}

    @property
    def is_open(self):
        return self.stage not in self.CLOSED_STAGES

    @property
    def is_overdue(self):
        return bool(self.is_open and self.next_action_at and self.next_action_at < timezone.localdate())

    @property
    def stage_index(self):
        """Position on the main line (0 = 推荐 … 4 = 落地); None for 终止."""
        try:
            return self.FLOW.index(self.stage)
        except ValueError:
            return None


def case_document_path(instance, filename):
    return f"cases/{instance.case_id}/{filename}"


class CaseDocument(models.Model):
    """Evidence attached to a case: contract, landing certificate, minutes …"""

    case = models.ForeignKey(Case, verbose_name="对接项目", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("文件名称", max_length=200)
    file = models.FileField("文件", upload_to=case_document_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目文件"
        verbose_name_plural = "项目文件"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title


class CaseActivity(models.Model):
    """One entry of a case's timeline."""

    class Kind(models.TextChoices):
        NOTE = "note", "备注"
        CALL = "call", "电话"
        VISIT = "visit", "走访"
        FILE = "file", "文件"
        MEETING = "meeting", "安排洽谈"
        STAGE = "stage", "阶段变更"

    case = models.ForeignKey(Case, verbose_name="对接项目", on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    text = models.TextField("内容", max_length=2000, blank=True)
    document = models.ForeignKey(
        CaseDocument, verbose_name="文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "跟进记录"
        verbose_name_plural = "跟进记录"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.text[:30]}"

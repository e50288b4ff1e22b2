"""意向书/报价 (bids) on a demand: sealed until the demand's deadline, one active bid per organisation."""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Bid(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        PENDING_CONFIRMATION = "pending", "待确认"
        WITHDRAWN = "withdrawn", "已撤回"
        SHORTLISTED = "shortlisted", "入围"
        REJECTED = "rejected", "未采纳"
        ACCEPTED = "accepted", "已接受"

    class RejectReason(models.TextChoices):
        PRICE = "price", "价格"
        TECHNICAL = "technical", "技术不符"
        QUALIFICATION = "qualification", "资质"
        OTHER = "other", "其他"

    # A UUID, not a sequence: sequential ids would let a bidder estimate how many bids others sent.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    demand = models.ForeignKey("catalog.Demand", verbose_name="需求", on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="投标单位", on_delete=models.CASCADE, related_name="bids"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.TextField("方案说明", validators=[MaxLengthValidator(5000)])
    price_wan = models.DecimalField("报价（万元）", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    delivery_days = models.PositiveIntegerField("交付周期（天）", validators=[MinValueValidator(1)])
    # One of the bidding organisation's own published supplies the bid refers to (optional).
    supply = models.ForeignKey(
        "catalog.Supply",
        verbose_name="关联供给",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    # The demand's bidding mode when the bid was submitted. A bid sent under 密封报价 stays sealed
    # until the deadline whatever later happens to the demand's flag (bidding.selectors decides).
    is_sealed = models.BooleanField(
        "密封报价", default=True, editable=False, help_text="提交时需求为密封报价：截止前只有投标单位可见"
    )
    # Hash of the demand's material terms (description, budget, deadline) the bidder last agreed to.
    demand_terms = models.CharField("对应需求版本", max_length=64, editable=False)
    reject_reason = models.CharField("未采纳原因", max_length=15, choices=RejectReason.choices, blank=True)
    decision_note = models.CharField("处理说明", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    # submitted_at stays the first submission (the monthly quota counts by it); revised_at is the last edit.
    submitted_at = models.DateTimeField("提交时间")
    revised_at = models.DateTimeField("最后修改时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    ACTIVE_STATUSES = (
        Status.SUBMITTED,
        Status.PENDING_CONFIRMATION,
        Status.SHORTLISTED,
        Status.REJECTED,
        Status.ACCEPTED,
    )
    EDITABLE_STATUSES = (Status.SUBMITTED, Status.PENDING_CONFIRMATION)
    DECIDABLE_STATUSES = (Status.SUBMITTED, Status.PENDING_CONFIRMATION, Status.SHORTLISTED)

    class Meta:
        verbose_name = "意向书"
        verbose_name_plural = "意向书"
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "organization"], condition=~Q(status="withdrawn"), name="bid_one_active_per_org"
            ),
        ]
        indexes = [models.Index(fields=["organization", "submitted_at"]), models.Index(fields=["demand", "status"])]

    def __str__(self):
        return f"{self.organization} → {self.demand}（{self.get_status_display()}）"

    @property
    def last_submitted_at(self):
        """What the bidder sees as 提交时间: the latest edit, else the first submission."""
        return self.revised_at or self.submitted_at

    @property
    def is_active(self):
        return self.status != self.Status.WITHDRAWN


def attachment_path(instance, filename):
    # The stored name is random; the original name is kept in the row and given back on download.
    return f"private/bids/{instance.bid_id}/{uuid.uuid4().hex}.{instance.extension}"


class BidAttachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, verbose_name="意向书", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=200)
    extension = models.CharField("类型", max_length=5)
    content_type = models.CharField("内容类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "意向书附件"
        verbose_name_plural = "意向书附件"
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name

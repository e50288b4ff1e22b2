"""对接会: events, 精准邀约 invitations, attendees, 1:1 meeting pairs, scheduled meetings and outcomes."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        PUBLISHED = "published", "已发布"
        CANCELLED = "cancelled", "已取消"

    name = models.CharField("会议名称", max_length=120)
    description = models.TextField("会议简介", blank=True, max_length=5000)
    date = models.DateField("会议日期")
    venue = models.CharField("会议地点", max_length=200, blank=True)
    online_url = models.URLField("线上会议链接", blank=True)
    # New events start 筹备中 on every path (form, API, admin): publishing is a decision.
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    chains = models.ManyToManyField(
        "catalog.IndustryChain", verbose_name="聚焦产业链", blank=True, related_name="events"
    )
    # 会前需求征集: the demand lists collected before the event; their owners take part.
    demand_lists = models.ManyToManyField(
        "catalog.DemandList", verbose_name="会前征集的需求清单", blank=True, related_name="events"
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "每场洽谈时长（分钟）", default=20, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    table_count = models.PositiveSmallIntegerField(
        "洽谈桌数", default=10, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    meeting_start = models.TimeField("一对一洽谈开始时间", default=datetime.time(14, 0))
    meeting_end = models.TimeField("一对一洽谈结束时间", default=datetime.time(17, 0))
    scheduled_at = models.DateTimeField("最近排程时间", null=True, blank=True)
    schedule_report = models.JSONField("排程结果摘要", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "对接会"
        verbose_name_plural = "对接会"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["status", "date"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if not self.venue and not self.online_url:
            errors["venue"] = "请填写会议地点或线上会议链接（至少一项）。"
        if self.meeting_start and self.meeting_end and self.meeting_end <= self.meeting_start:
            errors["meeting_end"] = "一对一洽谈结束时间必须晚于开始时间。"
        elif self.meeting_start and self.meeting_end and self.slot_minutes and not self.slot_starts():
            errors["slot_minutes"] = "洽谈时段内放不下一场洽谈：请缩短每场时长或延长时段。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_upcoming(self):
        return self.date >= timezone.localdate()

    @property
    def location_display(self):
        parts = [p for p in (self.venue, "线上" if self.online_url else "") if p]
        return " / ".join(parts)

    def slot_starts(self):
        """Start times (aware datetimes) of every 1:1 slot in the meeting window."""
        if not (self.date and self.meeting_start and self.meeting_end and self.slot_minutes):
            return []
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.datetime.combine(self.date, self.meeting_start), tz)
        end = timezone.make_aware(datetime.datetime.combine(self.date, self.meeting_end), tz)
        step = datetime.timedelta(minutes=self.slot_minutes)
        slots = []
        while start + step <= end:
            slots.append(start)
            start += step
        return slots


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        PROJECT_PITCH = "项目推介", "项目推介"
        DEMAND_RELEASE = "需求发布", "需求发布"
        ROADSHOW = "路演对接", "路演对接"
        ONE_ON_ONE = "一对一洽谈", "一对一洽谈"

    event = models.ForeignKey(Event, verbose_name="对接会", on_delete=models.CASCADE, related_name="agenda_items")
    kind = models.CharField("环节类型", max_length=10, choices=Kind.choices)
    title = models.CharField("议程内容", max_length=200)
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    speaker = models.CharField("主讲/发布单位", max_length=120, blank=True)

    class Meta:
        verbose_name = "议程"
        verbose_name_plural = "议程"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="agendaitem_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.starts_at:%H:%M} {self.title}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "议程结束时间必须晚于开始时间。"})


class Invitation(models.Model):
    """精准邀约 of one (supply-side) organisation to an event."""

    class Status(models.TextChoices):
        PENDING = "pending", "待回复"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已拒绝"

    event = models.ForeignKey(Event, verbose_name="对接会", on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="受邀单位", on_delete=models.CASCADE, related_name="event_invitations"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="邀请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The match evidence shown to staff when they invited: best score and its reasons.
    proposed_score = models.FloatField("推荐匹配度", null=True, blank=True)
    reasons = models.JSONField("推荐理由", default=list, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回复人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField("回复时间", null=True, blank=True)
    created_at = models.DateTimeField("邀请时间", auto_now_add=True)

    class Meta:
        verbose_name = "邀约"
        verbose_name_plural = "邀约"
        ordering = ["-proposed_score", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "organization"], name="invitation_unique_event_org")]

    def __str__(self):
        return f"{self.event} · {self.organization}（{self.get_status_display()}）"


class Attendee(models.Model):
    """参会人员 registered by a participating organisation."""

    event = models.ForeignKey(Event, verbose_name="对接会", on_delete=models.CASCADE, related_name="attendees")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="单位", on_delete=models.CASCADE, related_name="event_attendees"
    )
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("手机", max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "参会人员"
        verbose_name_plural = "参会人员"
        ordering = ["organization_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "organization", "name"], name="attendee_unique_event_org_name")
        ]

    def __str__(self):
        return f"{self.name}（{self.organization}）"


class Availability(models.Model):
    """The part of the 1:1 window in which an organisation can meet."""

    event = models.ForeignKey(Event, verbose_name="对接会", on_delete=models.CASCADE, related_name="availabilities")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="单位", on_delete=models.CASCADE, related_name="+"
    )
    available_from = models.TimeField("可洽谈开始")
    available_to = models.TimeField("可洽谈结束")

    class Meta:
        verbose_name = "可洽谈时段"
        verbose_name_plural = "可洽谈时段"
        constraints = [
            models.UniqueConstraint(fields=["event", "organization"], name="availability_unique_event_org"),
            models.CheckConstraint(
                condition=models.Q(available_to__gt=models.F("available_from")), name="availability_to_after_from"
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.available_from:%H:%M}–{self.available_to:%H:%M}"


class MeetingRequest(models.Model):
    """A 1:1 pair: one participant asks another (or staff pair them from top matches)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已拒绝"

    class Source(models.TextChoices):
        PARTICIPANT = "participant", "参会单位申请"
        STAFF = "staff", "专员依匹配安排"

    event = models.ForeignKey(Event, verbose_name="对接会", on_delete=models.CASCADE, related_name="meeting_requests")
    requester_org = models.ForeignKey(
        "accounts.Organization", verbose_name="发起单位", on_delete=models.CASCADE, related_name="+"
    )
    target_org = models.ForeignKey(
        "accounts.Organization", verbose_name="受邀单位", on_delete=models.CASCADE, related_name="+"
    )
    # The demand (and best-matching supply) the pair is about: what an 有意向 outcome opens a case for.
    demand = models.ForeignKey(
        "catalog.Demand", verbose_name="洽谈需求", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supply = models.ForeignKey(
        "catalog.Supply", verbose_name="相关供给", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField("匹配度", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.PARTICIPANT)
    note = models.CharField("留言", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "洽谈申请"
        verbose_name_plural = "洽谈申请"
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "requester_org", "target_org"], name="meetingrequest_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(requester_org=models.F("target_org")), name="meetingrequest_distinct_orgs"
            ),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self):
        return f"{self.requester_org} ↔ {self.target_org}"

    @property
    def org_ids(self):
        return {self.requester_org_id, self.target_org_id}

    def other_org(self, org_id):
        return self.target_org if org_id == self.requester_org_id else self.requester_org


class Meeting(models.Model):
    """A scheduled 1:1 meeting: one accepted pair at one (slot, table)."""

    event = models.ForeignKey(Event, verbose_name="对接会", on_delete=models.CASCADE, related_name="meetings")
    pair = models.OneToOneField(
        MeetingRequest, verbose_name="洽谈双方", on_delete=models.CASCADE, related_name="meeting"
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    table_no = models.PositiveSmallIntegerField("桌号")
    created_at = models.DateTimeField("排定时间", auto_now_add=True)

    class Meta:
        verbose_name = "洽谈安排"
        verbose_name_plural = "洽谈安排"
        ordering = ["starts_at", "table_no"]
        constraints = [
            models.UniqueConstraint(fields=["event", "starts_at", "table_no"], name="meeting_unique_slot_table")
        ]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%H:%M} 第{self.table_no}桌 {self.pair}"


class MeetingOutcome(models.Model):
    """What one side of a meeting records afterwards; 有意向 feeds the follow-up pipeline."""

    class Intent(models.TextChoices):
        YES = "有意向", "有意向"
        NO = "无意向", "无意向"

    meeting = models.ForeignKey(Meeting, verbose_name="洽谈", on_delete=models.CASCADE, related_name="outcomes")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="填报单位", on_delete=models.CASCADE, related_name="+"
    )
    rating = models.PositiveSmallIntegerField("评分（1–5）", validators=[MinValueValidator(1), MaxValueValidator(5)])
    intent = models.CharField("合作意向", max_length=4, choices=Intent.choices)
    next_step = models.CharField("下一步", max_length=200, blank=True)
    case = models.ForeignKey(
        "followups.Case", verbose_name="对接项目", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("填报时间", auto_now=True)

    class Meta:
        verbose_name = "洽谈结果"
        verbose_name_plural = "洽谈结果"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organization"], name="outcome_unique_meeting_org"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="outcome_rating_1_5"),
        ]

    def __str__(self):
        return f"{self.meeting} · {self.organization}：{self.intent}"

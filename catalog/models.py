"""产业链 taxonomy, regions, 需求清单/需求 and 供给菜单/供给."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        DISTRICT = "district", "区县"

    name = models.CharField("名称", max_length=50)
    full_name = models.CharField("全称", max_length=120, unique=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "地区"
        verbose_name_plural = "地区"
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name

    @property
    def city(self):
        """The 市 this region belongs to (itself for a city; None for a province)."""
        node = self
        while node is not None and node.level != self.Level.CITY:
            node = node.parent
        return node


class IndustryChain(models.Model):
    """Two levels: a chain (parent is null) and its 环节."""

    name = models.CharField("名称", max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name="所属产业链", null=True, blank=True, on_delete=models.PROTECT, related_name="segments"
    )
    is_priority = models.BooleanField("十大重点产业链", default=False)
    is_future = models.BooleanField("未来产业", default=False)
    keywords = models.TextField("关键词", blank=True, help_text="以空格分隔，供中文分词与匹配使用")
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "产业链"
        verbose_name_plural = "产业链"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def root(self):
        return self.parent or self


class DemandType(models.TextChoices):
    TECH = "技术攻关", "技术攻关"
    EQUIPMENT = "设备采购", "设备采购"
    SOLUTION = "解决方案", "解决方案"
    TALENT = "人才引进", "人才引进"
    FINANCE = "投融资", "投融资"
    RND = "合作研发", "合作研发"
    OUTSOURCING = "服务外包", "服务外包"


class SupplyType(models.TextChoices):
    PRODUCT = "产品", "产品"
    TECHNOLOGY = "技术成果", "技术成果"
    SOLUTION = "解决方案", "解决方案"
    SERVICE = "服务", "服务"
    TALENT = "人才团队", "人才团队"
    CAPITAL = "资本", "资本"


class Maturity(models.TextChoices):
    LAB = "实验室", "实验室"
    PILOT = "中试", "中试"
    SMALL_BATCH = "小批量", "小批量"
    MASS = "量产", "量产"


description_validators = [MaxLengthValidator(5000)]
money_validators = [MinValueValidator(0)]


class DemandList(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        COLLECTING = "collecting", "征集中"
        CLOSED = "closed", "已关闭"

    name = models.CharField("清单名称", max_length=120)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="发布单位", on_delete=models.CASCADE, related_name="demand_lists"
    )
    year = models.PositiveIntegerField("年度")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField("说明", blank=True, validators=description_validators)
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
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="demandlist_unique_org_name")]

    def __str__(self):
        return self.name


class Demand(models.Model):
    class Status(models.TextChoices):
        COLLECTING = "collecting", "征集中"
        MATCHING = "matching", "对接中"
        SIGNED = "signed", "已签约"
        LANDED = "landed", "已落地"
        CLOSED = "closed", "已关闭"

    demand_list = models.ForeignKey(
        DemandList, verbose_name="需求清单", on_delete=models.CASCADE, related_name="demands"
    )
    # Denormalised from demand_list for permission filters; services keep it equal.
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="发布单位", on_delete=models.CASCADE, related_name="demands"
    )
    region = models.ForeignKey(Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="demands")
    title = models.CharField("需求名称", max_length=200)
    description = models.TextField("需求描述", validators=description_validators)
    chain = models.ForeignKey(IndustryChain, verbose_name="产业链", on_delete=models.PROTECT, related_name="demands")
    demand_type = models.CharField("需求类型", max_length=10, choices=DemandType.choices)
    budget_wan = models.DecimalField(
        "预算（万元）", max_digits=12, decimal_places=2, null=True, blank=True, validators=money_validators
    )
    deadline = models.DateField("截止日期", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=30)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.COLLECTING)
    is_open_bidding = models.BooleanField("公开报价", default=False, help_text="默认密封：截止前发布方看不到报价")
    # jieba tokens of title + description (space separated), maintained by catalog.search.
    search_tokens = models.TextField("分词索引", blank=True, editable=False)
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
        verbose_name = "需求"
        verbose_name_plural = "需求"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["demand_list", "title"], name="demand_unique_list_title")]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["chain", "status"]),
            models.Index(fields=["organization", "status"]),
            # The list pages' default order: the newest 20 without sorting 100k rows.
            models.Index(fields=["-created_at", "-id"], name="demand_recent_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.demand_list.status != DemandList.Status.DRAFT and self.organization.is_verified


class SupplyMenu(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CLOSED = "closed", "已关闭"

    name = models.CharField("菜单名称", max_length=120)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="供给单位", on_delete=models.CASCADE, related_name="supply_menus"
    )
    year = models.PositiveIntegerField("年度", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField("说明", blank=True, validators=description_validators)
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
        verbose_name = "供给菜单"
        verbose_name_plural = "供给菜单"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="supplymenu_unique_org_name")]

    def __str__(self):
        return self.name


class Supply(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "可对接"
        CLOSED = "closed", "已下架"

    menu = models.ForeignKey(SupplyMenu, verbose_name="供给菜单", on_delete=models.CASCADE, related_name="supplies")
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="供给单位", on_delete=models.CASCADE, related_name="supplies"
    )
    region = models.ForeignKey(Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="supplies")
    title = models.CharField("供给名称", max_length=200)
    description = models.TextField("供给描述", validators=description_validators)
    chain = models.ForeignKey(IndustryChain, verbose_name="产业链", on_delete=models.PROTECT, related_name="supplies")
    supply_type = models.CharField("供给类型", max_length=10, choices=SupplyType.choices)
    price_wan = models.DecimalField(
        "参考价格（万元）", max_digits=12, decimal_places=2, null=True, blank=True, validators=money_validators
    )
    maturity = models.CharField("成熟度", max_length=10, choices=Maturity.choices, blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=30)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    search_tokens = models.TextField("分词索引", blank=True, editable=False)
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
        verbose_name = "供给"
        verbose_name_plural = "供给"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["menu", "title"], name="supply_unique_menu_title")]
        indexes = [
            models.Index(fields=["chain", "status"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["-created_at", "-id"], name="supply_recent_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.menu.status == SupplyMenu.Status.PUBLISHED and self.organization.is_verified


class ImportJob(models.Model):
    """One Excel/CSV intake, from the upload page or the command; runs in the worker for big files."""

    class Kind(models.TextChoices):
        DEMANDS = "demands", "需求清单"
        SUPPLIES = "supplies", "供给菜单"

    class Status(models.TextChoices):
        PENDING = "pending", "等待处理"
        VALIDATED = "validated", "已预检"
        RUNNING = "running", "导入中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    errors = models.JSONField("问题列表", default=list, blank=True)
    summary = models.JSONField("结果摘要", default=dict, blank=True)
    is_cancel_requested = models.BooleanField("已请求取消", default=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name}（{self.get_status_display()}）"

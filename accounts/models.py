"""Users, organisations (城市/园区/企业/高校院所/投资机构/驻京办) and memberships with a role."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class PlatformRole(models.TextChoices):
        NONE = "", "普通用户"
        LIAISON = "liaison", "对接专员（驻京办）"
        ADMIN = "admin", "平台管理员"

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机", max_length=30, blank=True)
    platform_role = models.CharField("平台角色", max_length=10, choices=PlatformRole.choices, blank=True, default="")
    # Liaison staff follow the demands of these regions (a city covers its districts).
    responsible_regions = models.ManyToManyField(
        "catalog.Region", verbose_name="负责地区", blank=True, related_name="liaison_staff"
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_platform_admin(self):
        return self.is_active and (self.is_superuser or self.platform_role == self.PlatformRole.ADMIN)

    @property
    def is_liaison(self):
        """Liaison staff and platform admins share the platform-wide read/close rights."""
        return self.is_active and (
            self.platform_role in {self.PlatformRole.LIAISON, self.PlatformRole.ADMIN} or self.is_superuser
        )


class Organization(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", "地市政府/部门"
        PARK = "park", "园区"
        ENTERPRISE = "enterprise", "企业"
        UNIVERSITY = "university", "高校院所"
        INVESTOR = "investor", "投资机构"
        LIAISON = "liaison", "驻京办/联络处"

    name = models.CharField("单位名称", max_length=120, unique=True)
    kind = models.CharField("单位类型", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "catalog.Region", verbose_name="所在地区", on_delete=models.PROTECT, related_name="organizations"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    description = models.TextField("单位简介", blank=True, max_length=5000)
    website = models.URLField("网址", blank=True)
    is_verified = models.BooleanField("已认证", default=False)
    verified_at = models.DateTimeField("认证时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        User, verbose_name="认证人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when staff turn a verification request down; cleared when the organisation resubmits.
    rejected_at = models.DateTimeField("驳回时间", null=True, blank=True)
    rejection_reason = models.CharField("驳回原因", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "is_verified"])]

    def __str__(self):
        return self.name

    @property
    def is_demand_side(self):
        return self.kind in {self.Kind.GOVERNMENT, self.Kind.PARK}


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "管理员"
        MEMBER = "member", "成员"

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        ACTIVE = "active", "有效"
        REJECTED = "rejected", "已拒绝"

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name="组织", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织成员"
        verbose_name_plural = "组织成员"
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_org")]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self):
        return f"{self.user} @ {self.organization}（{self.get_role_display()}）"


class LoginFailure(models.Model):
    """Failed logins per username + IP: the record staff read in the admin (the decision uses LoginThrottle)."""

    key = models.CharField(max_length=200, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self):
        return f"{self.key}（{self.created_at:%Y-%m-%d %H:%M}）"


class LoginThrottle(models.Model):
    """One counter row per limited key ("user:<name>|<ip>" or "ip:<ip>"): attempts reserved in the window.

    An attempt is reserved by one conditional UPDATE before its password is checked, so parallel
    requests cannot all pass a "not locked yet" check: the database hands out at most the limit.
    """

    key = models.CharField("键", max_length=200, unique=True)
    attempts = models.PositiveIntegerField("窗口内尝试次数", default=0)
    last_attempt_at = models.DateTimeField("最近一次尝试", db_index=True)

    class Meta:
        verbose_name = "登录限流计数"
        verbose_name_plural = "登录限流计数"

    def __str__(self):
        return f"{self.key}（{self.attempts} 次）"


class ApiToken(models.Model):
    """A named API token of one user: scopes, expiry, revocation. Only a hash of the secret is kept.

    The secret is shown once, when created; it starts with `prefix` (shown in lists to tell tokens
    apart). A token never grants more than its user has: scopes only take rights away.
    """

    class Scope(models.TextChoices):
        READ = "read", "只读"
        WRITE = "write", "读写"

    class App(models.TextChoices):
        CATALOG = "catalog", "需求与供给"
        BIDDING = "bidding", "意向书"
        MATCHING = "matching", "匹配推荐"
        EVENTS = "events", "对接会"
        FOLLOWUPS = "followups", "对接项目"

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("令牌名称", max_length=60)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True)
    scope = models.CharField("权限", max_length=10, choices=Scope.choices, default=Scope.READ)
    # Empty: every app; otherwise only the views of these apps.
    apps = models.JSONField("限定模块", default=list, blank=True)
    expires_at = models.DateTimeField("到期时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=models.Q(revoked_at__isnull=True), name="apitoken_unique_live_name"
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def apps_display(self):
        labels = dict(self.App.choices)
        return "、".join(labels.get(a, a) for a in self.apps) if self.apps else "全部模块"

"""Directories staff maintain for the 政策 and 平台 resource maps (六图谱)."""

from django.db import models


class PolicyItem(models.Model):
    title = models.CharField("政策名称", max_length=200)
    issuer = models.CharField("发布机关", max_length=120)
    region = models.ForeignKey(
        "catalog.Region", verbose_name="适用地区", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chains = models.ManyToManyField("catalog.IndustryChain", verbose_name="相关产业链", blank=True, related_name="+")
    published_on = models.DateField("发布日期", null=True, blank=True)
    url = models.URLField("原文链接", blank=True)
    summary = models.TextField("要点", blank=True, max_length=2000)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政策"
        verbose_name_plural = "政策图谱"
        ordering = ["-published_on", "-id"]

    def __str__(self):
        return self.title


class PlatformItem(models.Model):
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
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "平台"
        verbose_name_plural = "平台图谱"
        ordering = ["name"]

    def __str__(self):
        return self.name

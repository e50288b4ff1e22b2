"""Embedding cache, stored match lists and user feedback on matches.

A demand's list (推荐供给) is its top-K supplies; a supply's list (可对接需求) is read from the same
rows: the demands in whose top-K the supply stands, by score. The score of a pair is the same in
both directions, and it is the model's score: feedback never changes a Match row.

Feedback (有价值/不相关) is private to the demand side, so a demand that has feedback gets a second,
adjusted list (AdjustedMatch) that only the demand's organisation, the liaison staff covering its
region and platform admins read; the supply side and everyone else read Match.
"""

import numpy as np
from django.conf import settings
from django.db import models


class Embedding(models.Model):
    """One encoded text, keyed by (model, text hash): unchanged text is never encoded twice."""

    model_name = models.CharField("模型", max_length=200)
    # sha256 of "<kind>\0<text>": the same text encoded as query and as passage differs for e5.
    text_hash = models.CharField("文本摘要", max_length=64)
    dim = models.PositiveIntegerField("维度")
    vector = models.BinaryField("向量（float32）")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "向量缓存"
        verbose_name_plural = "向量缓存"
        constraints = [models.UniqueConstraint(fields=["model_name", "text_hash"], name="embedding_unique_model_hash")]

    def __str__(self):
        return f"{self.model_name}:{self.text_hash[:12]}"

    def as_array(self):
        return np.frombuffer(bytes(self.vector), dtype=np.float32, count=self.dim)


class MatchBase(models.Model):
    score = models.FloatField("匹配得分（0–100）")
    # Signals behind the score: semantic, lexical, type_fit, chain, budget, deadline, raw.
    components = models.JSONField("得分构成", default=dict)
    # What a person reads: shared key terms, chain relation, type fit, budget fit, semantic part.
    explanation = models.JSONField("匹配理由", default=dict)
    model_name = models.CharField("模型", max_length=200)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        abstract = True


class Match(MatchBase):
    """A supply recommended for a demand (推荐供给); rank 1 is the best for the demand."""

    demand = models.ForeignKey("catalog.Demand", verbose_name="需求", on_delete=models.CASCADE, related_name="matches")
    supply = models.ForeignKey("catalog.Supply", verbose_name="供给", on_delete=models.CASCADE, related_name="matches")
    rank = models.PositiveIntegerField("名次")

    class Meta:
        verbose_name = "匹配结果（推荐供给）"
        verbose_name_plural = "匹配结果（推荐供给）"
        ordering = ["demand_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["demand", "supply"], name="match_unique_demand_supply")]
        indexes = [
            models.Index(fields=["demand", "rank"]),
            models.Index(fields=["supply", "-score"]),
            models.Index(fields=["-computed_at", "-score"]),
        ]

    def __str__(self):
        return f"{self.demand_id}→{self.supply_id} #{self.rank} ({self.score:.0f})"


class AdjustedMatch(MatchBase):
    """A demand's own list after its feedback: 有价值 raises similar supplies, 不相关 drops one.

    Stored only for demands that have feedback, next to (not instead of) their Match rows; its
    score, rank and 得分构成 (with the 反馈 part) are shown to the demand side only.
    """

    demand = models.ForeignKey(
        "catalog.Demand", verbose_name="需求", on_delete=models.CASCADE, related_name="adjusted_matches"
    )
    supply = models.ForeignKey("catalog.Supply", verbose_name="供给", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField("名次")

    class Meta:
        verbose_name = "按反馈调整的推荐供给"
        verbose_name_plural = "按反馈调整的推荐供给"
        ordering = ["demand_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["demand", "supply"], name="adjustedmatch_unique_demand_supply")]
        indexes = [models.Index(fields=["demand", "rank"])]

    def __str__(self):
        return f"{self.demand_id}→{self.supply_id} #{self.rank} ({self.score:.0f}，按反馈调整)"


class MatchFeedback(models.Model):
    class Verdict(models.TextChoices):
        USEFUL = "useful", "有价值"
        IRRELEVANT = "irrelevant", "不相关"
        CONTACTED = "contacted", "已联系"

    demand = models.ForeignKey(
        "catalog.Demand", verbose_name="需求", on_delete=models.CASCADE, related_name="match_feedback"
    )
    supply = models.ForeignKey(
        "catalog.Supply", verbose_name="供给", on_delete=models.CASCADE, related_name="match_feedback"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反馈人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField("反馈", max_length=12, choices=Verdict.choices)
    created_at = models.DateTimeField("反馈时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "匹配反馈"
        verbose_name_plural = "匹配反馈"
        ordering = ["-updated_at"]
        # One verdict per pair: the latest word of the demand side counts.
        constraints = [models.UniqueConstraint(fields=["demand", "supply"], name="matchfeedback_unique_pair")]

    def __str__(self):
        return f"{self.demand_id}/{self.supply_id}: {self.get_verdict_display()}"

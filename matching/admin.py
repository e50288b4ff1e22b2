"""Admin for staff: match lists, feedback, the embedding cache, and a 重新匹配 action.

Lists go through matching.selectors like the pages: feedback is shown only to the people who may
give it, and it is read-only here (feedback_record is its one write path).
"""

from django.contrib import admin, messages
from django.db import transaction

from matching import selectors
from matching.models import Embedding, Match, MatchFeedback
from portal.outbox import enqueue


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("demand", "supply", "rank", "score", "model_name", "computed_at")
    list_filter = ("model_name", "computed_at")
    search_fields = ("demand__title", "supply__title")
    list_select_related = ("demand", "supply")
    readonly_fields = ("demand", "supply", "rank", "score", "components", "explanation", "model_name", "computed_at")
    actions = ["rematch_demands", "rematch_everything"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=selectors.match_pairs_visible_to(request.user).values("pk"))

    @admin.action(description="重新匹配所选匹配所属的需求")
    def rematch_demands(self, request, queryset):
        demand_ids = sorted(set(queryset.values_list("demand_id", flat=True)))
        with transaction.atomic():
            enqueue("matching.tasks.refresh_items", demand_ids, [])
        self.message_user(request, f"已提交 {len(demand_ids)} 个需求的重新匹配任务。", messages.SUCCESS)

    @admin.action(description="重新匹配全部需求与供给")
    def rematch_everything(self, request, queryset):
        with transaction.atomic():
            enqueue("matching.tasks.rematch_all")
        self.message_user(request, "已提交全量重新匹配任务，由后台 worker 执行。", messages.SUCCESS)


@admin.register(MatchFeedback)
class MatchFeedbackAdmin(admin.ModelAdmin):
    list_display = ("demand", "supply", "verdict", "user", "updated_at")
    list_filter = ("verdict",)
    search_fields = ("demand__title", "supply__title", "user__username")
    list_select_related = ("demand", "supply", "user")
    readonly_fields = ("demand", "supply", "user", "verdict", "created_at", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=selectors.feedback_visible_to(request.user).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Embedding)
class EmbeddingAdmin(admin.ModelAdmin):
    list_display = ("model_name", "text_hash", "dim", "created_at")
    list_filter = ("model_name",)
    search_fields = ("text_hash",)
    readonly_fields = ("model_name", "text_hash", "dim", "vector", "created_at")

    def has_add_permission(self, request):
        return False

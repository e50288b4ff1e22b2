"""Stored match lists: full rematch, incremental refresh, atomic replacement, follow-ups, feedback."""

import pytest
from django.db import OperationalError

from catalog.models import Demand, Supply
from followups.models import Case
from matching import embeddings, services, tasks
from matching import index as catalog_index
from matching.models import AdjustedMatch, Embedding, Match, MatchFeedback
from notifications.models import Notification
from tests.matching.factories import make_catalog, make_supply

pytestmark = pytest.mark.django_db


def _list(demand):
    return list(Match.objects.filter(demand=demand).order_by("rank").values_list("supply_id", flat=True))


def test_rematch_stores_a_ranked_explained_list_per_demand(park_org, supplier_org):
    demands, supplies = make_catalog(park_org, supplier_org)
    result = services.match_rematch_all()
    assert result["demands"] == 2 and result["inserted"] == 10
    rows = list(Match.objects.filter(demand=demands[0]).order_by("rank"))
    assert [r.rank for r in rows] == list(range(1, 6))
    assert all(0 <= r.score <= 100 for r in rows)
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    assert rows[0].supply.title == "户外轮式变电站智能巡检机器人"
    assert {"terms", "chain", "type", "budget", "semantic"} <= set(rows[0].explanation)
    assert {"semantic", "lexical", "type_fit", "chain", "budget", "raw"} <= set(rows[0].components)
    assert rows[0].model_name == embeddings.get_backend().name


def test_embeddings_are_cached_and_unchanged_text_is_not_encoded_again(park_org, supplier_org):
    make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    stored = Embedding.objects.count()
    assert stored == 2 + 5 * 2  # demand need views + supply title and lead views
    stats = embeddings.reset_cache_stats()
    catalog_index.reset_state()
    services.match_rematch_all()
    assert stats.misses == 0 and stats.hits == 12 and stats.ratio == 1.0
    assert Embedding.objects.count() == stored


def test_closed_supplies_are_not_matched_and_closed_demands_lose_their_list(park_org, supplier_org):
    demands, supplies = make_catalog(park_org, supplier_org)
    Supply.objects.filter(pk=supplies[0].pk).update(status=Supply.Status.CLOSED)
    Demand.objects.filter(pk=demands[1].pk).update(status=Demand.Status.CLOSED)
    services.match_rematch_all()
    assert supplies[0].pk not in _list(demands[0])
    assert _list(demands[1]) == []


def test_unverified_and_draft_items_are_still_matched(park_org, unverified_org):
    demands, supplies = make_catalog(park_org, unverified_org)
    services.match_rematch_all()
    assert len(_list(demands[0])) == 5


def test_refresh_of_a_deleted_demand_is_a_no_op(park_org, supplier_org):
    demands, _ = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    demand_id = demands[0].pk
    demands[0].delete()
    assert tasks.refresh_demand.apply(args=[demand_id]).get()["inserted"] == 0
    assert tasks.refresh_supply.apply(args=[999999]).get()["inserted"] == 0
    assert not Match.objects.filter(demand_id=demand_id).exists()


def test_task_run_twice_gives_the_same_list_and_no_duplicate_notifications(
    settings, park_org, supplier_org, owner, supplier_user
):
    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    settings.MATCHING_RECOMMEND_TOP_N = 2
    demands, _ = make_catalog(park_org, supplier_org)
    tasks.refresh_demand.apply(args=[demands[0].pk]).get()
    first = list(Match.objects.filter(demand=demands[0]).order_by("rank").values_list("supply_id", "rank", "score"))
    notes, cases = Notification.objects.count(), Case.objects.count()
    tasks.refresh_demand.apply(args=[demands[0].pk]).get()
    assert (
        list(Match.objects.filter(demand=demands[0]).order_by("rank").values_list("supply_id", "rank", "score"))
        == first
    )
    assert (Notification.objects.count(), Case.objects.count()) == (notes, cases)


def test_recommendation_notifies_both_sides_but_opens_no_case_by_default(
    settings, park_org, supplier_org, owner, supplier_user
):
    """No score bar is precise enough to open cases unattended: the liaison opens them from the queue."""
    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    settings.MATCHING_RECOMMEND_TOP_N = 1
    assert settings.MATCHING_AUTO_CASE_THRESHOLD == 0
    make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    assert Case.objects.count() == 0
    assert Notification.objects.filter(recipient=owner, kind="match", title__contains="推荐供给").exists()
    assert Notification.objects.filter(recipient=supplier_user, kind="match", title__contains="可对接需求").exists()


def test_new_top_match_above_the_auto_case_bar_opens_a_case_and_notifies_both_organisations(
    settings, park_org, supplier_org, owner, supplier_user, liaison
):
    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    settings.MATCHING_AUTO_CASE_THRESHOLD = 1
    settings.MATCHING_RECOMMEND_TOP_N = 1
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    case = Case.objects.get(demand=demands[0])
    assert case.origin == "match" and case.supply.title == "户外轮式变电站智能巡检机器人"
    assert case.owner == liaison  # responsible for 济宁市
    assert Notification.objects.filter(recipient=owner, kind="match", title__contains="推荐供给").exists()
    assert Notification.objects.filter(recipient=supplier_user, kind="match", title__contains="可对接需求").exists()
    before = Notification.objects.count()
    catalog_index.reset_state()
    services.match_rematch_all()
    assert Notification.objects.count() == before and Case.objects.count() == 2


def test_no_case_below_the_threshold(settings, park_org, supplier_org, owner):
    settings.MATCHING_RECOMMEND_THRESHOLD = 101
    make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    assert Case.objects.count() == 0 and not Notification.objects.filter(kind="match").exists()


def test_editing_one_supply_touches_only_affected_lists(settings, park_org, supplier_org):
    settings.MATCHING_TOP_K = 2
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    before = {d.pk: _list(d) for d in demands}
    training = next(s for s in supplies if s.title.startswith("工业机器人操作"))
    assert all(training.pk not in v for v in before.values())
    training.description = "面向企业员工的编程培训（新版课程）"
    training.save()
    result = services.match_supply_refresh(supply_id=training.pk)
    assert result["affected_demands"] == 0 and result["inserted"] == 0
    assert {d.pk: _list(d) for d in demands} == before
    # A supply edited to answer the 中药 demand enters that list and only that one.
    training.title = "中药提取液低温浓缩节能改造"
    training.description = "降低蒸汽消耗，改造浓缩环节。"
    training.supply_type = "技术成果"
    training.save()
    result = services.match_supply_refresh(supply_id=training.pk)
    assert training.pk in _list(demands[1])
    assert result["inserted"] <= 2 * result["demands"] and result["demands"] <= 2


def test_closing_a_supply_removes_it_from_lists(park_org, supplier_org):
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    top = Match.objects.get(demand=demands[0], rank=1).supply
    Supply.objects.filter(pk=top.pk).update(status=Supply.Status.CLOSED)
    tasks.refresh_supply.apply(args=[top.pk]).get()
    assert top.pk not in _list(demands[0])
    assert len(_list(demands[0])) == 4


def test_refresh_items_after_an_import(park_org, supplier_org):
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    new = make_supply(
        supplier_org, title="挂轨巡检机器人二代", description="变电站巡视，识别表计读数，红外测温。", price_wan=20
    )
    result = tasks.refresh_items.apply(args=[[], [new.pk]]).get()
    assert result["affected_demands"] >= 1
    assert new.pk in _list(demands[0])


def test_failed_write_keeps_the_old_list_whole(monkeypatch, park_org, supplier_org):
    demands, _ = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    before = _list(demands[0])

    def boom(*args, **kwargs):
        raise OperationalError("database is locked")

    # The block writer (executemany on SQLite, COPY on PostgreSQL) fails after the old rows were deleted.
    monkeypatch.setattr(services, "_insert", boom)
    with pytest.raises(OperationalError):
        services.match_demand_refresh(demand_id=demands[0].pk)
    assert _list(demands[0]) == before


def test_interrupted_rematch_leaves_whole_lists_and_a_rerun_completes(monkeypatch, park_org, supplier_org):
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    old = {d.pk: _list(d) for d in demands}
    Supply.objects.filter(pk=supplies[0].pk).update(status=Supply.Status.CLOSED)
    calls = {"n": 0}
    real = services._replace_lists

    def die_on_second_block(rows_by_demand, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("worker killed")
        return real(rows_by_demand, **kwargs)

    monkeypatch.setattr(services, "_replace_lists", die_on_second_block)
    with pytest.raises(KeyboardInterrupt):
        services.match_rematch_all(block=1)
    first, second = demands
    assert supplies[0].pk not in _list(first) and len(_list(first)) == 4  # new list, whole
    assert _list(second) == old[second.pk]  # old list, whole
    monkeypatch.setattr(services, "_replace_lists", real)
    services.match_rematch_all(block=1)
    assert supplies[0].pk not in _list(second) and len(_list(second)) == 4


def test_transient_database_errors_are_retried():
    assert OperationalError in tasks.refresh_demand.autoretry_for
    assert tasks.refresh_demand.retry_backoff


def _own_list(demand):
    return list(AdjustedMatch.objects.filter(demand=demand).order_by("rank").values_list("supply_id", flat=True))


def test_irrelevant_feedback_hides_the_pair_forever_from_the_demands_own_list(park_org, supplier_org, owner):
    demands, _ = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    model_list = _list(demands[0])
    top = Match.objects.get(demand=demands[0], rank=1).supply
    services.feedback_record(demand=demands[0], supply=top, user=owner, verdict="irrelevant")
    services.match_demand_refresh(demand_id=demands[0].pk)
    assert top.pk not in _own_list(demands[0]) and _own_list(demands[0])
    catalog_index.reset_state()
    services.match_rematch_all()
    assert top.pk not in _own_list(demands[0])
    # The model's list (what the supply side reads) is not changed by the demand side's verdict.
    assert _list(demands[0]) == model_list
    assert MatchFeedback.objects.get(demand=demands[0], supply=top).verdict == "irrelevant"


def test_useful_feedback_boosts_similar_supplies_in_the_demands_own_list_only(park_org, supplier_org, owner):
    demands, supplies = make_catalog(park_org, supplier_org)
    useful = next(s for s in supplies if s.title.startswith("户外轮式"))
    similar = make_supply(supplier_org, title="户外轮式变电站智能巡检机器人（防爆型）", description=useful.description)
    services.match_rematch_all()
    rows = {r.supply_id: r for r in Match.objects.filter(demand=demands[0])}
    services.feedback_record(demand=demands[0], supply=useful, user=owner, verdict="useful")
    services.match_demand_refresh(demand_id=demands[0].pk)
    own = {r.supply_id: r for r in AdjustedMatch.objects.filter(demand=demands[0])}
    assert own[similar.pk].components["feedback"] > 0 and "反馈" in own[similar.pk].explanation["parts"]
    assert own[similar.pk].score > rows[similar.pk].score
    after = {
        r.supply_id: (r.score, r.rank, r.components, r.explanation) for r in Match.objects.filter(demand=demands[0])
    }
    assert after == {k: (r.score, r.rank, r.components, r.explanation) for k, r in rows.items()}


def test_feedback_rejects_a_bad_verdict_and_an_outsider(park_org, supplier_org, owner, other_member):
    from django.core.exceptions import PermissionDenied, ValidationError

    demands, supplies = make_catalog(park_org, supplier_org)
    with pytest.raises(ValidationError) as err:
        services.feedback_record(demand=demands[0], supply=supplies[0], user=owner, verdict="maybe")
    assert "反馈类型无效" in str(err.value)
    with pytest.raises(PermissionDenied):
        services.feedback_record(demand=demands[0], supply=supplies[0], user=other_member, verdict="useful")
    assert not MatchFeedback.objects.exists()


def test_missing_sentence_transformers_model_names_the_setting(settings):
    settings.MATCHING_BACKEND = "sentence-transformers"
    settings.MATCHING_MODEL = "/nonexistent/model-dir"
    embeddings.set_backend(None)
    with pytest.raises(embeddings.ModelUnavailable) as err:
        embeddings.get_backend()
    assert "MATCHING_MODEL" in str(err.value) and "/nonexistent/model-dir" in str(err.value)

"""Issue #14 (scale): incremental index sync by changed ids, the bounded affected-demands check,
and block writes (executemany / PostgreSQL COPY) that store exactly the engine's rows."""

import json
import random

import pytest

from matching import engine, services
from matching import index as catalog_index
from matching.models import Match
from tests.matching.factories import make_catalog, make_demand, make_supply


def test_components_are_written_as_the_same_text_as_json():
    rng = random.Random(3)
    for _ in range(2000):
        comp = {
            "semantic": round(rng.uniform(-9, 9), 3),
            "lexical": round(rng.random(), 3),
            "type_fit": rng.choice([0.0, 0.3, 0.6, 1.0]),
            "chain": rng.choice([0.0, 0.5, 1.0]),
            "budget": rng.choice([-0.0, 0.0, round(-rng.uniform(0, 3), 2) + 0.0]),
            "feedback": round(rng.uniform(0, 3), 2),
            "deadline_open": rng.random() < 0.5,
            "raw": round(rng.uniform(-5, 12), 3),
        }
        assert services._dumps_components(comp) == json.dumps(comp, ensure_ascii=False, separators=(",", ":"))
    odd = {"semantic": 1.0, "extra": "词"}
    assert services._dumps_components(odd) == json.dumps(odd, ensure_ascii=False, separators=(",", ":"))


def test_copy_text_escapes_what_copy_reads_as_control():
    assert services._copy_text('{"a":"x\\ny\\t"}') == '{"a":"x\\\\ny\\\\t"}'
    assert services._copy_text("a\tb\nc") == "a\\tb\\nc"
    assert services._copy_text(12) == "12"


@pytest.mark.django_db(transaction=True)
def test_rematch_stores_exactly_the_engine_rows(park_org, supplier_org):
    """Through executemany (SQLite) or COPY (PostgreSQL): scores, ranks, components, explanations."""
    make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    state = catalog_index.get_state()
    assert Match.objects.count() > 0
    for demand_id, query in state.demands.items():
        scores = engine.score_demand(query, state.index)
        order = engine.top_k(scores, state.index, 10)
        stored = list(Match.objects.filter(demand_id=demand_id).order_by("rank"))
        assert [m.supply_id for m in stored] == [int(state.index.ids[n]) for n in order]
        for match, n in zip(stored, order, strict=True):
            components = engine.components_at(scores, n)
            assert match.components == components
            assert match.explanation == engine.explain(query, state.index, n, components)
            assert float(match.score) == round(float(engine.to_display(components["raw"])), 2)


def _count_full_syncs(monkeypatch):
    calls = []
    real = catalog_index.CatalogState._reset_marks

    def spy(self, *args):
        calls.append(1)
        return real(self, *args)

    monkeypatch.setattr(catalog_index.CatalogState, "_reset_marks", spy)
    return calls


@pytest.mark.django_db
def test_refreshing_one_supply_syncs_only_that_supply(park_org, supplier_org, monkeypatch):
    _demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    state = catalog_index.get_state()
    full = _count_full_syncs(monkeypatch)
    supply = supplies[4]
    supply.title = "中药提取液低温浓缩成套装备"
    supply.save()
    changed = state.sync(supply_ids=[supply.pk])
    assert changed == {"supplies": {supply.pk}, "demands": set()}
    assert state.index.items[state.index.pos[supply.pk]].title == "中药提取液低温浓缩成套装备"
    assert full == []  # no comparison of every (id, updated_at) pair
    # Nothing changed since: nothing re-read.
    assert state.sync(supply_ids=[supply.pk]) == {"supplies": set(), "demands": set()}
    result = services.match_supply_refresh(supply_id=supply.pk)
    assert full == []
    assert result["affected_demands"] >= 1


@pytest.mark.django_db
def test_an_edit_no_task_named_is_found_by_its_stamp(park_org, supplier_org, monkeypatch):
    demands, supplies = make_catalog(park_org, supplier_org)
    state = catalog_index.get_state()
    full = _count_full_syncs(monkeypatch)
    demands[1].title = "中药浓缩环节节能改造"
    demands[1].save()
    supplies[0].title = "户外巡检机器人（防爆型）"
    supplies[0].save()
    changed = state.sync()
    assert changed == {"supplies": {supplies[0].pk}, "demands": {demands[1].pk}}
    assert state.demands[demands[1].pk].item.title == "中药浓缩环节节能改造"
    assert full == []


@pytest.mark.django_db
def test_closing_a_menu_drops_its_supplies_without_a_full_comparison(park_org, supplier_org, monkeypatch):
    _demands, supplies = make_catalog(park_org, supplier_org)
    state = catalog_index.get_state()
    full = _count_full_syncs(monkeypatch)
    menu = supplies[2].menu
    menu.status = menu.Status.CLOSED
    menu.save()
    changed = state.sync()
    assert changed["supplies"] == {supplies[2].pk}
    assert not state.index.alive[state.index.pos[supplies[2].pk]]
    assert full == []


@pytest.mark.django_db
def test_a_deletion_no_task_named_falls_back_to_the_full_comparison(park_org, supplier_org, monkeypatch):
    _demands, supplies = make_catalog(park_org, supplier_org)
    state = catalog_index.get_state()
    full = _count_full_syncs(monkeypatch)
    gone = supplies[3].pk
    type(supplies[3]).objects.filter(pk=gone).delete()  # no save, no task, no stamp
    added = make_supply(supplier_org, title="新增的巡检无人机", description="架空线路自主巡检。")  # same count
    changed = state.sync()
    assert {gone, added.pk} <= changed["supplies"]
    assert state.index.alive[state.index.pos[added.pk]]
    assert gone not in state.supply_stamp and not state.index.alive[state.index.pos[gone]]
    assert full == [1]


@pytest.mark.django_db
def test_affected_demands_equals_checking_every_demand(park_org, supplier_org, settings):
    settings.MATCHING_TOP_K = 2  # full lists, so the floor decides
    make_catalog(park_org, supplier_org)
    for i in range(4):
        make_demand(park_org, title=f"巡检机器人需求{i}", description="拟采购巡检机器人，要求红外测温。")
        make_supply(supplier_org, title=f"测温巡检装置{i}", description="红外测温与表计识别。")
    services.match_rematch_all(recommend=False)
    state = catalog_index.get_state()
    for supply_id in list(state.supply_stamp):
        n = state.index.pos[supply_id]
        expected = set(Match.objects.filter(supply_id=supply_id).values_list("demand_id", flat=True))
        for demand_id, query in state.demands.items():
            rows = list(Match.objects.filter(demand_id=demand_id).values_list("score", flat=True))
            semantic = (query.vector @ state.index.combined[n] - state.index.offset) * 0.5
            raw = engine.pair_raw(query, state.index, n, semantic)
            if len(rows) < 2 or engine.to_display(raw) >= min(rows):
                expected.add(demand_id)
        assert services.affected_demands(state, supply_id) == expected

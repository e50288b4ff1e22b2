"""Pseudo-relevance feedback: the function the best candidates share beats a decoy that only
shares the demand's object (a welder for a weld-inspection demand)."""

from datetime import date

import numpy as np
import pytest

from matching import embeddings, engine

# A deterministic stand-in for the model: each text is a sum of a few meaning directions.
# The welder shares the demand's object (weld seams) most strongly; the inspection system says
# what it does (inspection), like the other inspection supplies near the top of the list.
AXES = ["焊缝", "检测", "焊接", "铸件", "管道", "通用"]


def _vec(**weights):
    v = np.zeros(len(AXES), np.float32)
    for name, w in weights.items():
        v[AXES.index(name)] = w
    v[AXES.index("通用")] += 1.0
    return v / np.linalg.norm(v)


DEMAND = engine.Item(1, "焊接生产线焊缝缺陷机器视觉在线检测系统", "希望引进在线检测焊缝缺陷的系统。", kind="设备采购")
SUPPLIES = [
    (
        engine.Item(11, "厚板焊缝激光跟踪与自适应焊接系统", "激光跟踪焊缝并自适应焊接。", kind="产品"),
        _vec(焊缝=2.0, 焊接=0.8),
    ),
    (
        engine.Item(12, "焊缝X射线数字成像缺陷检测系统", "对焊缝内部缺陷成像检测。", kind="产品"),
        _vec(焊缝=1.0, 检测=1.0),
    ),
    (engine.Item(13, "铸件表面缺陷机器视觉检测系统", "视觉检测铸件表面缺陷。", kind="产品"), _vec(铸件=1.0, 检测=1.3)),
    (engine.Item(14, "管道内壁缺陷视觉检测机器人", "管道内壁缺陷检测。", kind="产品"), _vec(管道=1.0, 检测=1.3)),
    (engine.Item(15, "管道自动焊接机", "管道全位置自动焊接。", kind="产品"), _vec(管道=1.0, 焊接=1.3)),
]
DEMAND_VECTOR = _vec(焊缝=2.0, 检测=0.5)


def _build():
    items = [s for s, _ in SUPPLIES]
    vectors = np.vstack([v for _, v in SUPPLIES])
    cal = engine.Calibration(title=(0.5, 0.1), lead=(0.5, 0.1), pp=(0.5, 0.1))
    index = engine.SupplyIndex(items, vectors, vectors, cal, tokens=[[] for _ in items])
    query = engine.make_demand_query(DEMAND, DEMAND_VECTOR, today=date(2026, 1, 1))
    query.tokens = []  # the test is about the dense part only
    return index, query


def _order(index, query):
    return [int(index.ids[n]) for n in engine.top_k(engine.score_demand(query, index), index, len(index))]


def test_without_feedback_the_welder_outranks_the_inspection_system():
    index, query = _build()
    engine.expand_query(query, index, beta=0)
    assert _order(index, query)[:2] == [11, 12]


def test_feedback_ranks_the_inspection_system_above_the_welder():
    index, query = _build()
    engine.expand_query(query, index)
    order = _order(index, query)
    assert order[0] == 12
    assert order.index(12) < order.index(11)
    # the inspection systems for other objects move up too; the pipe welder stays last
    assert order[-1] == 15


def test_expansion_is_idempotent_and_beta_zero_restores_the_need_vector():
    index, query = _build()
    engine.expand_query(query, index)
    once = query.vector.copy()
    engine.expand_query(query, index)
    np.testing.assert_allclose(query.vector, once, rtol=1e-6)
    assert np.linalg.norm(query.vector) == pytest.approx(1.0, rel=1e-5)
    engine.expand_query(query, index, beta=0)
    np.testing.assert_array_equal(query.vector, query.need_vector)


def test_feedback_ignores_closed_supplies_and_survives_an_empty_index():
    index, query = _build()
    for sid in (12, 13, 14):
        index.remove(sid)
    engine.expand_query(query, index)
    assert np.isfinite(query.vector).all()
    empty = engine.SupplyIndex(
        [], np.zeros((0, len(AXES)), np.float32), np.zeros((0, len(AXES)), np.float32), index.calibration
    )
    engine.expand_query(query, empty)
    np.testing.assert_array_equal(query.vector, query.need_vector)


def test_pair_raw_equals_the_full_score_after_expansion():
    index, query = _build()
    engine.expand_query(query, index)
    raw = engine.score_demand(query, index).raw
    for n in range(len(index)):
        assert engine.pair_raw(query, index, n) == pytest.approx(float(raw[n]), abs=1e-4)


def test_hashing_backend_queries_expand_through_the_block_helper():
    backend = embeddings.HashingBackend()
    items = [s for s, _ in SUPPLIES]
    titles = backend.encode_passages([s.title for s in items])
    leads = backend.encode_passages([engine.lead_text(s.title, s.description) for s in items])
    cal = engine.estimate_calibration(np.zeros((0, backend.dim), np.float32), titles, leads, backend.name)
    index = engine.SupplyIndex(items, titles, leads, cal)
    vec = backend.encode_queries([engine.need_text(DEMAND.title, DEMAND.description)])[0]
    queries = [engine.make_demand_query(DEMAND, vec)]
    engine.expand_queries(queries, index)
    single = engine.make_demand_query(DEMAND, vec)
    engine.expand_query(single, index)
    np.testing.assert_allclose(queries[0].vector, single.vector, rtol=1e-5)
    assert not np.array_equal(queries[0].vector, queries[0].need_vector)


@pytest.mark.django_db
def test_the_index_expands_demands_and_stored_scores_match_the_pair_score(park_org, supplier_org):
    from matching import index as catalog_index
    from matching import services
    from matching.models import Match
    from tests.matching.factories import make_catalog

    demands, _supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all()
    state = catalog_index.get_state()
    for demand in demands:
        query = state.demands[demand.pk]
        assert not np.array_equal(query.vector, query.need_vector)  # expanded when it entered the index
        for match in Match.objects.filter(demand=demand):
            n = state.index.pos[match.supply_id]
            raw = engine.pair_raw(query, state.index, n)
            assert float(match.score) == pytest.approx(float(engine.to_display(raw)), abs=0.01)
    # Editing a demand re-expands it against the current catalogue, the same way a rebuild does.
    demand = demands[0]
    demand.description = demand.description + "另需远程查看巡检报告。"
    demand.save()
    services.match_demand_refresh(demand_id=demand.pk)
    synced = catalog_index.get_state().demands[demand.pk].vector.copy()
    catalog_index.reset_state()
    rebuilt = catalog_index.get_state().demands[demand.pk].vector
    np.testing.assert_allclose(synced, rebuilt, rtol=1e-5, atol=1e-6)

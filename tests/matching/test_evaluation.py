"""Offline evaluation helpers: pooling, the on-disk vector cache, the calibration table."""

import numpy as np
import pytest

from matching import engine, evaluation


def test_pool_weights_every_demand_equally():
    a = {"per_demand": [1.0], "per_demand_recall": [1.0], "per_demand_mrr": [1.0]}
    b = {"per_demand": [0.0, 0.5, 0.5], "per_demand_recall": [0.0, 1.0, 1.0], "per_demand_mrr": [0.0, 0.0, 1.0]}
    pooled = evaluation.pool([a, b])
    assert pooled["ndcg@10"] == pytest.approx(0.5)
    assert pooled["recall@10"] == pytest.approx(0.75)
    assert pooled["mrr"] == pytest.approx(0.5)


def test_disk_cache_round_trip_and_a_corrupt_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr(evaluation, "CACHE_DIR", tmp_path / "cache")
    assert evaluation.load_disk_cache("model/x") == {}
    memory = {"abc": np.arange(4, dtype=np.float32)}
    evaluation.save_disk_cache(memory, "model/x")
    loaded = evaluation.load_disk_cache("model/x")
    np.testing.assert_array_equal(loaded["abc"], memory["abc"])
    next((tmp_path / "cache").glob("*.npz")).write_bytes(b"not a zip")
    assert evaluation.load_disk_cache("model/x") == {}


def test_engine_weights_context_restores_the_shipped_weights():
    before = (engine.W_TYPE, engine.PRF_BETA)
    with evaluation.engine_weights(W_TYPE=0.0, PRF_BETA=0.0):
        assert engine.W_TYPE == 0.0 and engine.PRF_BETA == 0.0
    assert (engine.W_TYPE, engine.PRF_BETA) == before


def test_calibration_table_counts_precision_and_recall_kept(monkeypatch):
    # 100 pairs: the 10 best are relevant, one more relevant pair sits low.
    shown = np.linspace(99, 0.5, 100)
    grades = np.zeros(100, int)
    grades[:10] = 2
    grades[80] = 1
    ranks = np.tile(np.arange(10), 10)
    monkeypatch.setattr(evaluation, "scored_pairs", lambda sets: (shown, grades, ranks))
    cal = evaluation.calibration_table([])
    assert cal["relevant"] == 11 and cal["pairs"] == 100
    top = cal["rows"][0]
    assert top["band"] == (95, 100) and top["precision"] == 1.0
    bar_n, bar_p, bar_r = cal["bar_figures"]
    assert bar_p >= 0.9 and bar_n >= 10 and bar_r == pytest.approx(10 / 11)
    n, p, r = cal["fixed"][50]
    assert p == pytest.approx(10 / n) and r == pytest.approx(10 / 11)

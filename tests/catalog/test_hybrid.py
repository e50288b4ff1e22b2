"""Hybrid search (keywords + stored vectors) with a small concept backend: meaning-only hits, their
floor, highlight, permissions, filters, API ordering, fallbacks and the query cache."""

import numpy as np
import pytest
from django.urls import reverse

from catalog import search
from catalog.models import Demand, DemandList
from matching import embeddings, engine
from matching import search as semantic
from matching.models import Embedding
from tests import factories

pytestmark = pytest.mark.django_db

# Words that mean the same thing share one axis; the last axis is a small common part.
CONCEPTS = [
    ("无人机", "飞行器", "航拍"),
    ("焊", "焊接"),
    ("机器人", "机械手"),
    ("养殖", "养鱼"),
    ("污水", "废水"),
    ("轻量化", "减重"),
]


class ConceptBackend(embeddings.Backend):
    name = "concept-test"
    dim = len(CONCEPTS) + 1

    def __init__(self):
        self.calls = 0

    def _encode(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for axis, words in enumerate(CONCEPTS):
                out[row, axis] = sum(text.count(w) for w in words)
            out[row, -1] = 0.1
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    encode_queries = _encode
    encode_passages = _encode


@pytest.fixture
def backend(monkeypatch):
    backend = ConceptBackend()
    embeddings.set_backend(backend)
    embeddings.clear_query_cache()
    semantic.reset()
    monkeypatch.setattr(semantic, "SIGNATURE_TTL", 0.0)
    yield backend
    embeddings.set_backend(None)
    embeddings.clear_query_cache()
    semantic.reset()


def store_vectors(*demands):
    """What the matcher writes for a demand: its need view, encoded as a query."""
    embeddings.encode([engine.need_text(d.title, d.description) for d in demands], kind="query")


def make(org, title, description="园区企业提出的合作需求。", *, vector=True, **kw):
    demand_list = kw.pop("demand_list", None) or factories.DemandListFactory(organization=org)
    demand = factories.DemandFactory(demand_list=demand_list, title=title, description=description, **kw)
    search.index_object(demand)
    demand.save(update_fields=["search_tokens"])
    if vector:
        store_vectors(demand)
    return demand


@pytest.fixture
def catalogue(park_org, backend):
    items = {
        "uav": make(park_org, "高层建筑与化工园区消防无人机采购"),
        "thick": make(
            park_org, "厚板多层多道焊机器人工艺开发", "厚板焊接变形大。需要开发多层多道焊工艺包，机器人自动焊。"
        ),
        "hull": make(park_org, "船体分段智能焊接机器人"),
        "battery": make(park_org, "动力电池铝合金壳体轻量化", "壳体采用搅拌摩擦焊接。需要壳体减重两成，实现轻量化。"),
        "fish": make(park_org, "深远海养殖工船水质在线监测"),
    }
    for n in range(8):
        items[f"other{n}"] = make(park_org, f"污水处理厂提标改造第{n}期")
    return items


def titles(response):
    return [row["title"] for row in response.json()["results"]]


def test_meaning_only_hit_is_listed_marked_and_not_highlighted(client, catalogue):
    response = client.get(reverse("catalog:demand_list"), {"q": "飞行器"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "高层建筑与化工园区消防无人机采购" in page
    assert "含义相近" in page
    assert '<mark class="hit">' not in page
    assert "污水处理" not in page


def test_keyword_only_before_and_keyword_plus_meaning_now(catalogue):
    assert list(search.search(Demand.objects.all(), "飞行器")) == []
    assert [d.title for d in search.hybrid_search(Demand.objects.all(), "飞行器")] == [catalogue["uav"].title]


def test_keyword_hits_keep_their_highlight_beside_meaning_hits(client, catalogue):
    page = client.get(reverse("catalog:demand_list"), {"q": "焊接"}).content.decode()
    assert '<mark class="hit">焊接</mark>' in page
    # The 厚板 demand says 焊 in its title, 焊接 only in its text: not highlighted where absent.
    assert "厚板多层多道焊机器人工艺开发" in page


def test_the_demand_about_welding_is_no_longer_last(catalogue):
    keyword = [d.title for d in search.search(Demand.objects.all(), "焊接")]
    hybrid = [d.title for d in search.hybrid_search(Demand.objects.all(), "焊接")]
    assert set(keyword) == set(hybrid)  # meaning adds nothing unrelated here
    assert hybrid.index(catalogue["thick"].title) < hybrid.index(catalogue["battery"].title)
    assert hybrid[-1] == catalogue["battery"].title


def test_nonsense_query_returns_nothing_not_the_catalogue(catalogue):
    assert search.hybrid_search(Demand.objects.all(), "周末吃火锅").count() == 0


def test_meaning_hits_respect_permissions(client, park_org, unverified_org, other_member, backend):
    make(park_org, "消防无人机采购")
    draft_list = factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    make(park_org, "航拍测绘无人机（草稿）", demand_list=draft_list)
    make(unverified_org, "植保无人机（未认证单位）")
    for user in (None, other_member):
        client.logout()
        if user:
            client.force_login(user)
        page = client.get(reverse("catalog:demand_list"), {"q": "飞行器"}).content.decode()
        assert "消防无人机采购" in page
        assert "航拍测绘无人机" not in page
        assert "植保无人机" not in page
        api = client.get("/api/demands/", {"q": "飞行器"})
        assert titles(api) == ["消防无人机采购"]


def test_meaning_hits_respect_filters(client, park_org, backend):
    make(park_org, "消防无人机采购", demand_type="设备采购")
    make(park_org, "无人机集群控制算法", demand_type="技术攻关")
    api = client.get("/api/demands/", {"q": "飞行器", "demand_type": "设备采购"})
    assert titles(api) == ["消防无人机采购"]


def test_other_orderings_still_win_when_picked(client, park_org, backend):
    make(park_org, "消防无人机采购", budget_wan=50)
    make(park_org, "无人机巡检服务", budget_wan=500)
    make(park_org, "航拍无人机", budget_wan=100)
    api = client.get("/api/demands/", {"q": "飞行器", "ordering": "-budget_wan"})
    assert titles(api) == ["无人机巡检服务", "航拍无人机", "消防无人机采购"]
    api = client.get("/api/demands/", {"q": "飞行器", "ordering": "budget_wan"})
    assert titles(api) == ["消防无人机采购", "航拍无人机", "无人机巡检服务"]


def test_row_without_a_stored_vector_ranks_by_keywords_only(park_org, backend):
    with_vector = make(park_org, "消防无人机采购")
    make(park_org, "航拍无人机服务", vector=False)  # not encoded yet by the matcher
    keyword_only = make(park_org, "飞行器适航认证咨询", vector=False)
    found = [d.title for d in search.hybrid_search(Demand.objects.all(), "飞行器")]
    assert found[0] in {with_vector.title, keyword_only.title}
    assert set(found) == {with_vector.title, keyword_only.title}


def test_model_unavailable_falls_back_to_keywords(client, catalogue, settings):
    embeddings.set_backend(None)
    settings.MATCHING_BACKEND = "no-such-backend"
    response = client.get(reverse("catalog:demand_list"), {"q": "焊接"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '船体分段智能<mark class="hit">焊接</mark>机器人' in page and "含义相近" not in page
    assert client.get(reverse("catalog:demand_list"), {"q": "飞行器"}).status_code == 200
    assert client.get("/api/demands/", {"q": "飞行器"}).json()["results"] == []


def test_no_stored_vectors_means_no_model_is_asked(park_org, backend):
    make(park_org, "船体分段智能焊接机器人", vector=False)
    Embedding.objects.all().delete()
    calls = backend.calls
    assert [d.title for d in search.hybrid_search(Demand.objects.all(), "焊接")] == ["船体分段智能焊接机器人"]
    assert backend.calls == calls


def test_query_is_encoded_once_per_normalised_query(catalogue, backend):
    search.hybrid_search(Demand.objects.all(), "飞行器").count()
    calls = backend.calls
    search.hybrid_search(Demand.objects.all(), "  飞行器 ").count()
    search.hybrid_search(Demand.objects.all(), "飞行器").count()
    assert backend.calls == calls


def test_new_vectors_are_picked_up(park_org, backend):
    assert search.hybrid_search(Demand.objects.all(), "飞行器").count() == 0
    make(park_org, "消防无人机采购")
    make(park_org, "污水处理厂提标改造")
    assert [d.title for d in search.hybrid_search(Demand.objects.all(), "飞行器")] == ["消防无人机采购"]


def test_list_page_queries_do_not_grow_with_rows(client, park_org, backend, django_assert_max_num_queries):
    for n in range(25):
        make(park_org, f"消防无人机采购{n}期")
    client.get(reverse("catalog:demand_list"), {"q": "飞行器"})  # vectors read into memory once
    with django_assert_max_num_queries(20):
        response = client.get(reverse("catalog:demand_list"), {"q": "飞行器"})
    assert "共 25 条需求" in response.content.decode()

"""匹配理由 in plain Chinese (issue #11): what fits in words from both texts, what does not, a
strength word — no standard deviations, no raw score parts, no synonym markers, no decimals."""

import re

import pytest
from django.urls import reverse

from matching import reasons, services
from matching.models import Match
from tests.matching.factories import make_catalog, make_demand, make_supply

pytestmark = pytest.mark.django_db

DECIMAL = re.compile(r"\d+\.\d+")


def _assert_plain(text):
    assert not DECIMAL.search(text), text
    assert "标准差" not in text and "≈" not in text and "得分构成" not in text, text


def _all_text(r):
    return "\n".join([r.line(), *r.fits, *r.misfits, *(str(x) for x in r.fit_lines_html()), r.feedback])


# Components as the engine stores them today (and a key it may add later).
COMPONENTS = {"semantic": 3.74, "lexical": 0.06, "type_fit": 1.0, "chain": 1.0, "budget": 0.0, "raw": 5.1, "new": 1}


def test_same_type_names_the_shared_words_and_the_two_types(park_org, supplier_org):
    demand = make_demand(
        park_org,
        title="变电站巡视机器人采购",
        description="拟采购户外巡视机器人，要求识别表计读数和红外测温。",
        demand_type="设备采购",
        budget_wan=180,
    )
    supply = make_supply(
        supplier_org,
        title="户外轮式变电站智能巡检机器人",
        description="识别表计读数，红外测温，适应低温雨雪天气。",
        supply_type="产品",
        price_wan=45.5,
    )
    explanation = {
        "terms": ["变电站", "红外测温", "表计", "≈平台"],
        "semantic": "语义相似度很高（高于一般水平 3.7 个标准差）",
    }
    r = reasons.build(demand, supply, score=91.37, components=COMPONENTS, explanation=explanation, viewer="demand")
    assert r.strength == "高度相关"
    assert {"变电站", "红外测温", "表计"} <= set(r.terms)
    assert "对方提供的是产品，与您的「设备采购」需求对口" in r.fits
    assert any("在预算 180 万元以内" in f for f in r.fits)
    assert "同属机器人产业链" in r.fits
    assert r.misfits == []
    assert "<mark>变电站</mark>" in str(r.terms_html())
    _assert_plain(_all_text(r))


def test_type_mismatch_says_so_in_plain_words(park_org, supplier_org):
    demand = make_demand(park_org, title="浓缩工艺技术攻关", description="希望降低蒸汽消耗。", chain="生物医药")
    supply = make_supply(
        supplier_org,
        title="浓缩工艺改造基金",
        description="投资浓缩工艺改造项目。",
        chain="生物医药",
        supply_type="资本",
    )
    r = reasons.build(demand, supply, score=72.4, components={**COMPONENTS, "type_fit": 0.0}, viewer="demand")
    assert r.strength == "较相关"
    assert any(m.startswith("类型不对口：对方提供的是资本") and "「技术攻关」" in m for m in r.misfits)
    assert "浓缩" in "".join(r.terms) or "浓缩工艺" in r.terms
    _assert_plain(_all_text(r))


def test_over_budget_says_by_how_much(park_org, supplier_org):
    demand = make_demand(
        park_org, title="中药浓缩设备", description="希望改造浓缩环节。", demand_type="设备采购", budget_wan=180
    )
    supply = make_supply(supplier_org, title="中药提取液低温浓缩系统", description="低温连续浓缩。", price_wan=280.4)
    r = reasons.build(demand, supply, score=55.2, components={**COMPONENTS, "budget": -0.64}, viewer="staff")
    assert r.strength == "可能相关"
    assert any("超出预算" in m and "比预算 180 万元高 100 万元" in m for m in r.misfits)
    assert "供给是产品，与「设备采购」需求对口" in r.fits
    _assert_plain(_all_text(r))


def test_cross_chain_says_why_it_still_fits(park_org, supplier_org):
    demand = make_demand(
        park_org, title="中药提取车间浓缩慢", description="老式浓缩罐蒸汽消耗大。希望改造浓缩环节。", chain="生物医药"
    )
    supply = make_supply(
        supplier_org, title="中药提取液MVR低温浓缩系统", description="低温连续浓缩，节省蒸汽。", chain="节能环保"
    )
    r = reasons.build(
        demand,
        supply,
        score=78.0,
        components={**COMPONENTS, "chain": 0.0},
        explanation={"terms": ["中药", "浓缩", "≈蒸汽"]},
        viewer="demand",
    )
    cross = [m for m in r.misfits if m.startswith("跨产业链")]
    assert cross and "需求属生物医药，供给属节能环保" in cross[0] and "中药" in cross[0] and "仍推荐" in cross[0]
    assert "蒸汽" in r.terms  # the synonym marker became the word both texts use
    _assert_plain(_all_text(r))


def test_weak_pair_does_not_claim_the_texts_say_the_same(park_org, supplier_org):
    demand = make_demand(park_org, title="变电站巡视机器人", description="巡视。", chain="机器人")
    supply = make_supply(supplier_org, title="应收账款保理融资", description="无需抵押。", chain="新一代信息技术")
    r = reasons.build(demand, supply, score=8, components={**COMPONENTS, "semantic": 0.2, "chain": 0.0})
    assert r.strength == "相关性较弱"
    assert not any("相近" in x for x in r.fits + r.misfits)


@pytest.mark.parametrize(
    "score, word",
    [(99.9, "高度相关"), (85, "高度相关"), (84.9, "较相关"), (70, "较相关"), (50, "可能相关"), (3, "相关性较弱")],
)
def test_strength_bands(score, word):
    assert reasons.strength(score) == word


@pytest.mark.parametrize("wan, text", [(180, "180 万元"), (45.5, "46 万元"), (0.5, "5000 元"), (12000, "12000 万元")])
def test_money_has_no_decimals(wan, text):
    assert reasons.money(wan) == text


def test_pages_show_plain_reasons_only_and_api_keeps_raw_parts(client, park_org, supplier_org, owner, supplier_user):
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    client.force_login(owner)
    page = client.get(reverse("matching:demand_matches", args=[demands[0].pk])).content.decode()
    reasons_html = re.findall(r'<div class="small match-reasons">(.*?)</div>\s*</div>', page, re.S)
    assert reasons_html
    for block in reasons_html:
        _assert_plain(re.sub(r"<[^>]+>", "", block))
    assert "<mark>" in page and "对方提供的是" in page
    assert "标准差" not in page and "≈" not in page and "得分构成" not in page
    client.force_login(supplier_user)
    tab = client.get(reverse("matching:supply_matches", args=[supplies[0].pk])).content.decode()
    assert "您提供的是产品" in tab and "标准差" not in tab and "≈" not in tab
    row = client.get("/api/matches/", {"supply": supplies[0].pk}).json()["results"][0]
    assert {"semantic", "raw"} <= set(row["components"]) and "parts" in row["explanation"]
    assert row["reasons"]["strength"] in {"高度相关", "较相关", "可能相关", "相关性较弱"}
    assert {"shared_terms", "fits", "misfits", "summary"} <= set(row["reasons"])


def test_reasons_of_stored_rows_need_no_extra_queries(park_org, supplier_org, django_assert_num_queries):
    make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    rows = list(Match.objects.select_related("demand__chain__parent", "supply__chain__parent"))
    with django_assert_num_queries(0):
        lines = [reasons.for_match(m).line() for m in rows]
    for line in lines:
        _assert_plain(line)


def test_recommendation_notices_carry_the_plain_reasons(settings, park_org, supplier_org, owner, supplier_user):
    from notifications.models import Notification

    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=True)
    bodies = list(Notification.objects.filter(kind=Notification.Kind.MATCH).values_list("body", flat=True))
    assert bodies
    for body in bodies:
        _assert_plain(body)
    assert any("双方都提到" in b for b in bodies)

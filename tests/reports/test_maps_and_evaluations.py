"""六图谱 pages and 四评价: figures from the data, formulas with components, access per role."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from followups.models import Case
from matching.models import Match
from reports import selectors
from reports.models import PlatformItem, PolicyItem
from tests import factories
from tests.followups.factories import CaseFactory

pytestmark = pytest.mark.django_db
MAPS = ["industry", "talent", "technology", "capital", "policy", "platform"]


@pytest.fixture
def catalog_data(park_org, supplier_org):
    lst = factories.DemandListFactory(organization=park_org)
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    factories.DemandFactory(demand_list=lst, demand_type="人才引进", title="引进机器人算法团队")
    factories.DemandFactory(demand_list=lst, demand_type="投融资", title="园区基金合作", budget_wan=3000)
    talent = factories.SupplyFactory(menu=menu, supply_type="人才团队", title="具身智能算法团队", maturity="")
    tech_lab = factories.SupplyFactory(menu=menu, supply_type="技术成果", title="力控算法", maturity="实验室")
    tech_mass = factories.SupplyFactory(menu=menu, supply_type="技术成果", title="视觉引导系统", maturity="量产")
    factories.SupplyFactory(menu=menu, supply_type="资本", title="天使基金", price_wan=5000)
    return {"talent": talent, "tech_lab": tech_lab, "tech_mass": tech_mass}


def test_industry_map_counts(catalog_data):
    data = selectors.industry_map()
    assert data["cities"] == ["济宁市"]
    robot = next(r for r in data["rows"] if r["chain"] == "机器人")
    assert robot["counts"] == [2] and robot["supplies"] == 4


def test_talent_technology_capital_maps(catalog_data):
    assert selectors.talent_map()["rows"] == [{"chain": "机器人", "supplies": 1, "demands": 1}]
    tech = selectors.technology_map()
    assert tech["levels"] == ["实验室", "中试", "小批量", "量产", "未填"]
    assert tech["rows"][0]["counts"] == [1, 0, 0, 1, 0]
    cap = selectors.capital_map()["rows"][0]
    assert (cap["supplies"], cap["supply_amount"], cap["demands"], cap["demand_amount"]) == (
        1,
        Decimal("5000"),
        1,
        Decimal("3000"),
    )


@pytest.mark.parametrize("kind", MAPS)
@pytest.mark.parametrize("persona", [None, "owner", "liaison"])
def test_maps_are_public(client, request, catalog_data, kind, persona, django_assert_max_num_queries):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    PolicyItem.objects.create(title="济宁市支持机器人产业发展若干措施", issuer="济宁市人民政府")
    PlatformItem.objects.create(name="济宁机器人中试基地", kind="pilot")
    with django_assert_max_num_queries(30):
        response = client.get(reverse("reports:resource_map", args=[kind]))
    assert response.status_code == 200
    assert 'id="chart-map" type="application/json"' in response.text
    assert ("新增政策" in response.text) == (persona == "liaison" and kind == "policy")


def test_unknown_map_404(client):
    assert client.get(reverse("reports:resource_map", args=["weather"])).status_code == 404


def test_policy_directory_form_staff_only(client, owner, liaison):
    url = reverse("reports:policy_create")
    client.force_login(owner)
    assert client.get(url).status_code == 404
    client.force_login(liaison)
    bad = client.post(url, {"title": "", "issuer": "省工信厅"})
    assert bad.status_code == 400 and "该字段是必填项" in bad.text
    assert not PolicyItem.objects.exists()
    robot = factories.chain("机器人")
    ok = client.post(url, {"title": "山东省机器人产业高质量发展行动方案", "issuer": "省工信厅", "chains": [robot.pk]})
    assert ok.status_code == 302
    item = PolicyItem.objects.get()
    assert list(item.chains.all()) == [robot]
    page = client.get(reverse("reports:resource_map", args=["policy"])).text
    assert "山东省机器人产业高质量发展行动方案" in page and "机器人" in page


def test_platform_directory_form(client, liaison, supplier_org):
    client.force_login(liaison)
    response = client.post(
        reverse("reports:platform_create"),
        {"name": "北京智能机器人创新中心", "kind": "innovation", "organization": supplier_org.pk},
    )
    assert response.status_code == 302
    item = PlatformItem.objects.get()
    edit = client.post(reverse("reports:platform_edit", args=[item.pk]), {"name": item.name, "kind": "lab"})
    assert edit.status_code == 302
    item.refresh_from_db()
    assert item.kind == "lab"


# --- 四评价 -----------------------------------------------------------------------------------------


def test_amount_points_formula():
    assert selectors.amount_points(None) == 0
    assert selectors.amount_points(Decimal("99")) == 50.0  # 25 × log10(100)
    assert selectors.amount_points(Decimal("999")) == 75.0
    assert selectors.amount_points(Decimal("100000")) == 100.0


def test_project_evaluation_components(demand, supplier_org):
    today = timezone.localdate()
    case = CaseFactory(
        demand=demand,
        supply_org=supplier_org,
        stage=Case.Stage.SIGNED,
        contract_amount_wan=Decimal("999"),
        signed_on=today,
        next_action_at=today - datetime.timedelta(days=4),
    )
    result = selectors.evaluate_project(case, today)
    assert result["components"] == {"进展 P": 75.0, "金额 A": 75.0, "及时性 T": 80.0}
    assert result["score"] == round(0.5 * 75 + 0.3 * 75 + 0.2 * 80, 1) == 76.0
    case.is_stale = True
    assert selectors.evaluate_project(case, today)["components"]["及时性 T"] == 0.0


def test_achievement_evaluation_is_maturity_times_demand(catalog_data, demand):
    other = factories.DemandFactory(demand_list=demand.demand_list)
    for d, score in [(demand, 80), (other, 75)]:
        Match.objects.create(
            demand=d, supply=catalog_data["tech_mass"], score=score, rank=1, model_name="t", computed_at=timezone.now()
        )
    Match.objects.create(
        demand=demand, supply=catalog_data["tech_lab"], score=40, rank=2, model_name="t", computed_at=timezone.now()
    )
    rows = {r["item"].title: r for r in selectors.achievement_evaluations()}
    mass = rows["视觉引导系统"]
    assert mass["components"] == {"成熟度 M": 100.0, "需求热度 D": 40.0} and mass["score"] == 40.0
    assert rows["力控算法"]["score"] == 0.0  # lab result, no demand above threshold


def test_talent_and_platform_evaluations(catalog_data, demand, supplier_org):
    CaseFactory(
        demand=demand,
        supply_org=supplier_org,
        supply=catalog_data["talent"],
        stage=Case.Stage.SIGNED,
        met_at=timezone.now(),
        contract_amount_wan=10,
        signed_on=timezone.localdate(),
    )
    talent = selectors.talent_evaluations()[0]
    assert talent["components"] == {"需求热度 D": 0.0, "对接活跃 E": 25.0, "成效 O": 50.0}
    assert talent["score"] == 22.5
    platform = PlatformItem.objects.create(name="机器人创新中心", kind="innovation", organization=supplier_org)
    platform.chains.set([factories.chain("机器人"), factories.chain("人工智能与算力")])
    row = selectors.platform_evaluations()[0]
    assert row["components"] == {"产业覆盖 C": 50.0, "供给活跃 S": 40.0, "成效 O": 50.0}
    assert row["score"] == 47.0


@pytest.mark.parametrize("persona,status", [(None, 404), ("owner", 404), ("supplier_user", 404), ("liaison", 200)])
def test_project_evaluation_is_staff_only(client, request, persona, status):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:evaluation", args=["project"])).status_code == status


@pytest.mark.parametrize("kind", ["achievement", "talent", "platform"])
def test_other_evaluations_public_with_formula(client, catalog_data, kind, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:evaluation", args=[kind]))
    assert response.status_code == 200
    assert 'id="formula"' in response.text and "=" in response.text


def test_project_evaluation_page_lists_cases(client, liaison, demand, supplier_org):
    CaseFactory(demand=demand, supply_org=supplier_org, stage=Case.Stage.INTENT)
    client.force_login(liaison)
    page = client.get(reverse("reports:evaluation", args=["project"])).text
    assert demand.title in page and "进展 P" in page


def test_terminated_project_scores_zero_timeliness(demand, supplier_org):
    case = CaseFactory(demand=demand, supply_org=supplier_org, stage=Case.Stage.TERMINATED, termination_reason="x")
    assert selectors.evaluate_project(case)["score"] == 0.0


def test_project_chart_stacks_weighted_parts(client, liaison, demand, supplier_org):
    import json
    import re

    today = timezone.localdate()
    CaseFactory(
        demand=demand,
        supply_org=supplier_org,
        stage=Case.Stage.SIGNED,
        contract_amount_wan=Decimal("999"),
        signed_on=today,
        next_action_at=today - datetime.timedelta(days=4),
    )
    client.force_login(liaison)
    html = client.get(reverse("reports:evaluation", args=["project"])).text
    spec = json.loads(re.search(r'<script id="chart-eval" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert sum(s["data"][0] for s in spec["series"]) == 76.0
    assert "项目评价 = 0.5 × P + 0.3 × A + 0.2 × T" in html

"""四评价: indicator formulas, reviewer scores (who/when), weights staff adjust (versioned, audited)
that re-rank, radar charts, access per persona and query counts."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from catalog.models import IndustryChain
from followups.models import Case
from reports import evaluations, selectors
from reports.models import AchievementItem, PlatformItem, ReviewScore, TalentItem, WeightSet
from reports.tasks import supply_records_create
from tests import factories
from tests.followups.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _spec(html, chart_id):
    return json.loads(
        re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S).group(1)
    )


def test_amount_points_formula():
    assert selectors.amount_points(None) == 0
    assert selectors.amount_points(Decimal("99")) == 50.0
    assert selectors.amount_points(Decimal("100000")) == 100.0


def test_combine_is_weighted_mean():
    assert evaluations.combine({"a": 100, "b": 0}, {"a": 3, "b": 1}) == 75.0
    assert evaluations.combine({"a": 50}, {"a": 0}) == 0.0


@pytest.fixture
def achievements(supplier_org, park_org):
    seg = IndustryChain.objects.get(name="碳化硅")
    lst = factories.DemandListFactory(organization=park_org)
    for _ in range(2):
        factories.DemandFactory(demand_list=lst, chain=seg)
    a = AchievementItem.objects.create(
        title="碳化硅抛光",
        organization=supplier_org,
        chain=seg,
        description="x",
        trl=9,
        patents="ZL1\nZL2",
        transfer_mode="license",
        price_wan=300,
    )
    b = AchievementItem.objects.create(
        title="氮化镓外延",
        organization=supplier_org,
        chain=IndustryChain.objects.get(name="氮化镓"),
        description="x",
        trl=3,
    )
    return a, b


def test_achievement_indicators_from_data_and_review(achievements, liaison):
    a, b = achievements
    data = evaluations.ranked("achievement")
    row = next(r for r in data["rows"] if r["item"] == a)
    # TRL 9/9 → 100; 2 patents → 50; team unreviewed → 0; 2 demands in 碳化硅 → 40; license + price → 80
    assert row["values"] == {"trl": 100.0, "ip": 50.0, "team": 0.0, "market": 40.0, "transfer": 80.0}
    assert row["sources"]["team"] == "待评审" and row["sources"]["trl"] == "平台数据"
    # default weights 30/20/15/20/15: (3000 + 1000 + 0 + 800 + 1200) / 100 = 60
    assert row["score"] == 60.0
    from reports.services import review_record

    review_record(kind="achievement", object_id=a.pk, actor=liaison, scores={"team": 80}, note="团队完整")
    row = next(r for r in evaluations.ranked("achievement")["rows"] if r["item"] == a)
    assert row["values"]["team"] == 80.0 and row["score"] == 72.0
    assert row["sources"]["team"].startswith("评审：")


def test_talent_and_platform_formulas(supplier_org, park_org, demand):
    seg = IndustryChain.objects.get(name="工业机器人")
    factories.DemandFactory(demand_list=demand.demand_list, chain=seg)
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    supply = factories.SupplyFactory(menu=menu, supply_type="人才团队", chain=seg)
    supply_records_create(supply_ids=[supply.pk])  # what catalog.services queues for a new 人才团队 supply
    t = TalentItem.objects.get(supply=supply)
    t.willingness = "full_time"
    t.save()
    CaseFactory(demand=demand, supply_org=supplier_org, supply=supply, met_at=timezone.now(), stage=Case.Stage.SIGNED)
    row = evaluations.ranked("talent")["rows"][0]
    assert row["item"] == t
    assert row["values"] == {"level": 0.0, "fit": 20.0, "record": 75.0, "willing": 100.0}
    # 30·0 + 30·20 + 25·75 + 15·100 = 3975 / 100
    assert row["score"] == 39.8
    p = PlatformItem.objects.create(name="平台", kind="lab", organization=supplier_org)
    p.chains.set([seg, IndustryChain.objects.get(name="机器人")])
    prow = evaluations.ranked("platform")["rows"][0]
    assert prow["values"] == {"services": 0.0, "cases": 50.0, "utilisation": 0.0, "coverage": 50.0}
    assert prow["score"] == 25.0


def test_project_indicators(demand, supplier_org):
    seg = IndustryChain.objects.get(name="协作机器人")
    demand.chain = seg
    demand.save()
    today = timezone.localdate()
    CaseFactory(
        demand=demand,
        supply_org=supplier_org,
        stage=Case.Stage.SIGNED,
        contract_amount_wan=Decimal("999"),
        signed_on=today,
        next_action_at=today - datetime.timedelta(days=4),
    )
    row = evaluations.ranked("project")["rows"][0]
    # 协作机器人 has a demand and no match → 断链 100; 999 万 → 75; 签约 75; 4 days overdue → 80
    assert row["values"] == {"gap_fit": 100.0, "investment": 75.0, "progress": 75.0, "risk": 80.0}
    assert row["score"] == round((30 * 100 + 25 * 75 + 30 * 75 + 15 * 80) / 100, 1)


def test_weight_change_is_versioned_audited_and_reranks(client, achievements, liaison):
    a, b = achievements
    client.force_login(liaison)
    url = reverse("reports:evaluation", args=["achievement"])
    page = client.get(url).text
    assert page.index("碳化硅抛光") < page.index("氮化镓外延")
    assert "公式说明见" not in page and "docs/evaluations.md" not in page
    assert "技术就绪水平（GB/T 22900）÷ 9 × 100" in page
    # only 团队实力 counts: b gets a better review than a → b first
    client.post(reverse("reports:evaluation_detail", args=["achievement", a.pk]), {"s_team": "40"})
    client.post(reverse("reports:evaluation_detail", args=["achievement", b.pk]), {"s_team": "90"})
    response = client.post(
        reverse("reports:evaluation_weights", args=["achievement"]),
        {"w_trl": "0", "w_ip": "0", "w_team": "10", "w_market": "0", "w_transfer": "0", "note": "只看团队"},
        follow=True,
    )
    assert "排名已按新权重重新计算" in response.text
    page = response.text
    assert page.index("氮化镓外延") < page.index("碳化硅抛光")
    assert "只看团队" in page
    client.post(
        reverse("reports:evaluation_weights", args=["achievement"]),
        {"w_trl": "30", "w_ip": "20", "w_team": "15", "w_market": "20", "w_transfer": "15", "note": "恢复默认"},
    )
    history = client.get(url).text
    assert 'id="weight-history"' in history and "只看团队" in history and "恢复默认" in history
    assert history.index("碳化硅抛光") < history.index("氮化镓外延")
    assert WeightSet.objects.count() == 2
    ws = WeightSet.objects.order_by("id").first()
    assert ws.created_by == liaison and ws.weights["team"] == 10
    entry = AuditEntry.objects.get(object_id=str(ws.pk), content_type__model="weightset")
    assert entry.actor == liaison
    assert entry.changes["trl"] == {"before": 30.0, "after": 0.0}
    assert ReviewScore.objects.filter(reviewer=liaison).count() == 2


@pytest.mark.parametrize("persona", [None, "owner", "supplier_user"])
def test_only_staff_adjust_weights_and_review(client, request, achievements, persona):
    a, _ = achievements
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("reports:evaluation_weights", args=["achievement"]), {"w_trl": "1"})
    assert response.status_code in (302, 404)
    if persona:
        assert response.status_code == 404
    review = client.post(reverse("reports:evaluation_detail", args=["achievement", a.pk]), {"s_team": "90"})
    assert review.status_code == 404
    assert not WeightSet.objects.exists() and not ReviewScore.objects.exists()
    page = client.get(reverse("reports:evaluation", args=["achievement"]))
    assert page.status_code == 200 and 'id="weights-form"' not in page.text


def test_radar_per_object(client, achievements):
    a, _ = achievements
    page = client.get(reverse("reports:evaluation_detail", args=["achievement", a.pk])).text
    spec = _spec(page, "chart-radar")
    assert spec["kind"] == "radar" and [i["name"] for i in spec["indicators"]][0] == "技术成熟度"
    assert spec["series"][0]["value"] == [100.0, 50.0, 0.0, 40.0, 80.0]


@pytest.mark.parametrize("persona,status", [(None, 404), ("owner", 404), ("supplier_user", 404), ("liaison", 200)])
def test_project_evaluation_is_staff_only(client, request, persona, status):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:evaluation", args=["project"])).status_code == status


@pytest.mark.parametrize("kind", ["achievement", "talent", "platform", "project"])
def test_evaluation_query_count_constant(client, liaison, supplier_org, park_org, kind, django_assert_max_num_queries):
    seg = IndustryChain.objects.get(name="碳化硅")
    lst = factories.DemandListFactory(organization=park_org)

    def make(n, start):
        for i in range(start, start + n):
            AchievementItem.objects.create(
                title=f"成果{i}", organization=supplier_org, chain=seg, description="x", trl=5
            )
            TalentItem.objects.create(name=f"团队{i}", organization=supplier_org, research="x", chain=seg)
            PlatformItem.objects.create(name=f"平台{i}", kind="lab", organization=supplier_org).chains.set([seg])
            org = factories.SupplierOrganizationFactory()
            CaseFactory(demand=factories.DemandFactory(demand_list=lst, chain=seg), supply_org=org)

    client.force_login(liaison)
    make(5, 0)
    url = reverse("reports:evaluation", args=[kind])
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    make(45, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200

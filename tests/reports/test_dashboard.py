"""Dashboard figures equal the hand-computed fixture in conftest.py (deduplication included)."""

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from reports import selectors

pytestmark = pytest.mark.django_db


def test_funnel_matches_hand_count(outcome_data):
    assert {s["key"]: s["count"] for s in selectors.funnel()} == {
        "demands": 4,
        "matched": 2,
        "met": 4,
        "signed": 1,
        "landed": 1,
    }


def test_project_totals(outcome_data):
    totals = selectors.project_totals()
    assert (totals["total"], totals["met"], totals["signed"], totals["landed"]) == (6, 4, 2, 1)
    assert totals["signed_amount"] == Decimal("1300") and totals["landed_amount"] == Decimal("5000")


def test_outcomes_by_city_and_chain(outcome_data):
    by_city = {r["name"]: r for r in selectors.outcomes_by_city()}
    assert set(by_city) == {"济宁市", "青岛市"}
    jn = by_city["济宁市"]
    assert (jn["demand_count"], jn["signed_count"], jn["signed_amount"], jn["landed_count"], jn["landed_amount"]) == (
        2,
        2,
        Decimal("1300"),
        1,
        Decimal("5000"),
    )
    assert (by_city["青岛市"]["demand_count"], by_city["青岛市"]["signed_count"]) == (2, 0)
    by_chain = {r["name"]: r for r in selectors.outcomes_by_chain()}
    assert set(by_chain) == {"机器人", "集成电路"}
    assert (by_chain["机器人"]["demand_count"], by_chain["机器人"]["signed_amount"]) == (3, Decimal("1300"))
    assert by_chain["集成电路"]["demand_count"] == 1 and by_chain["集成电路"]["signed_count"] == 0
    assert [r["name"] for r in selectors.top(selectors.outcomes_by_city(), 1)] == ["济宁市"]


def test_monthly_trend(outcome_data):
    trend = {m["month"]: m for m in selectors.monthly_trend(12)}
    assert list(trend)[-1] == "2027-03" and len(trend) == 12
    assert (trend["2027-01"]["signed"], trend["2027-01"]["signed_amount"]) == (1, Decimal("1000"))
    assert (trend["2027-02"]["signed"], trend["2027-02"]["signed_amount"]) == (1, Decimal("300"))
    assert (trend["2027-02"]["landed"], trend["2027-02"]["landed_amount"]) == (1, Decimal("5000"))
    assert trend["2027-01"]["met"] == 4
    assert trend["2027-03"]["new_demands"] == 4


@pytest.mark.parametrize("persona", [None, "owner", "liaison"])
def test_dashboard_page_is_public_and_shows_figures(
    client, request, outcome_data, persona, django_assert_max_num_queries
):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    with django_assert_max_num_queries(40):
        response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    html = response.text
    assert 'id="funnel-demands">4<' in html and 'id="funnel-matched">2<' in html and 'id="funnel-met">4<' in html
    assert 'id="funnel-signed">1<' in html and 'id="funnel-landed">1<' in html
    assert "2 / 1,300.00" in html and "1 / 5,000.00" in html
    assert 'id="chart-funnel" type="application/json"' in html
    assert "<script>" not in html  # no inline scripts (CSP)
    assert ("导出上报表" in html) == (persona == "liaison")


def test_upward_export_is_staff_only(client, outcome_data, owner):
    url = reverse("reports:export_upward")
    assert client.get(url).status_code == 302
    client.force_login(owner)
    assert client.get(url).status_code == 404


def test_upward_export_content(client, outcome_data, liaison):
    client.force_login(liaison)
    response = client.get(reverse("reports:export_upward"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按城市", "按产业链", "签约项目", "对接漏斗"]
    city = {r[0]: r for r in wb["按城市"].iter_rows(min_row=2, values_only=True)}
    assert city["济宁市"][1:] == (2, 3, 3, 2, 1300, 1, 5000)  # demands, cases, met, signed, amount, landed, investment
    assert city["青岛市"][1:] == (2, 3, 1, 0, 0, 0, 0)
    assert city["合计"][4:] == (2, 1300, 1, 5000)
    chain = {r[0]: r for r in wb["按产业链"].iter_rows(min_row=2, values_only=True)}
    assert chain["机器人"][1] == 3 and chain["机器人"][5] == 1300
    projects = list(wb["签约项目"].iter_rows(min_row=2, values_only=True))
    assert [(p[1], p[5], p[6], p[7]) for p in projects] == [
        ("d1 视觉装配", "北京甲科技", "落地", 1000),
        ("d1 视觉装配", "北京乙科技", "签约", 300),
    ]
    assert projects[0][9] == 5000 and projects[0][10] == "山东省济宁市"
    funnel = list(wb["对接漏斗"].iter_rows(min_row=2, values_only=True))
    assert funnel == [("发布需求", 4), ("已匹配", 2), ("已洽谈", 4), ("已签约", 1), ("已落地", 1)]


def test_upward_export_for_a_year(client, outcome_data, liaison):
    client.force_login(liaison)
    url = reverse("reports:export_upward")
    wb = load_workbook(io.BytesIO(client.get(url, {"year": "2027"}).content))
    assert wb.sheetnames == ["按城市", "按产业链", "签约项目"]
    city = {r[0]: r for r in wb["按城市"].iter_rows(min_row=2, values_only=True)}
    assert city["济宁市"][4:] == (2, 1300, 1, 5000)
    assert len(list(wb["签约项目"].iter_rows(min_row=2))) == 2
    wb = load_workbook(io.BytesIO(client.get(url, {"year": "2026"}).content))
    assert [r[0] for r in wb["按城市"].iter_rows(min_row=2, values_only=True)] == ["合计"]
    assert list(wb["签约项目"].iter_rows(min_row=2)) == []
    bad = client.get(url, {"year": "二〇二七"}, follow=True)
    assert "年份「二〇二七」无效" in bad.text


def _chart_specs(html):
    """The chart options the page hands to reports.js through json_script."""
    return {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(r'<script id="(chart-[a-z]+)" type="application/json">(.*?)</script>', html, re.S)
    }


def test_dashboard_chart_labels_are_readable_and_every_category_is_named(client, outcome_data):
    html = client.get(reverse("reports:dashboard")).text
    specs = _chart_specs(html)
    funnel = specs["chart-funnel"]
    # "已洽谈 1" / "已落地 1" were drawn inside their bar in the bar's own colour: now dark text beside it.
    assert funnel["label"]["show"] and funnel["label"]["position"] in ("right", "left")
    assert funnel["label"]["color"] == "#1f2328"
    for key in ("chart-city", "chart-chain", "chart-trend"):
        assert specs[key]["axisLabel"]["interval"] == 0, key  # every 产业链 / city / month named
    # Months read as people write them, not ISO keys.
    assert specs["chart-trend"]["categories"][-1] == "2027年3月"
    assert "2027-03" not in html


def test_reports_js_takes_the_label_options_and_names_every_heatmap_row():
    js = (Path(settings.BASE_DIR) / "static" / "js" / "reports.js").read_text(encoding="utf-8")
    assert "spec.label" in js and "spec.axisLabel" in js
    assert 'yAxis: { type: "category", data: spec.y, axisLabel: spec.yAxisLabel || { interval: 0 }' in js

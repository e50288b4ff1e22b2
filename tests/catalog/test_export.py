"""xlsx export and import templates: same headers as the importer, round trip, formula neutralisation, roles."""

import io

import openpyxl
import pytest
from django.urls import reverse

from catalog.exporting import export_xlsx, neutralise, template_xlsx
from catalog.importing import DEMAND_HEADERS, SUPPLY_HEADERS, import_catalog_file
from catalog.models import Demand, DemandList, DemandType, Supply, SupplyType
from tests import factories
from tests.catalog.files import MATCHBENCH_DIR, csv_bytes, demand_row, demand_rows

pytestmark = pytest.mark.django_db


def sheet_rows(content, sheet=0):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return workbook, [list(r) for r in workbook.worksheets[sheet].iter_rows(values_only=True)]


def all_demands():
    return Demand.objects.select_related("demand_list", "organization", "region", "chain").order_by("id")


def test_export_round_trip_reimports_unchanged():
    with open(f"{MATCHBENCH_DIR}/demands.csv", "rb") as handle:
        assert import_catalog_file(handle, filename="demands.csv").ok
    content = export_xlsx("demands", all_demands(), contacts_allowed=lambda obj: True)
    _, rows = sheet_rows(content)
    assert rows[0] == DEMAND_HEADERS
    assert len(rows) == 21
    report = import_catalog_file(io.BytesIO(content), filename="export.xlsx")
    assert report.ok, report.errors
    assert report.counts["unchanged"] == 20 and report.counts["created"] == 0 and report.counts["updated"] == 0
    assert Demand.objects.count() == 20


def test_supply_export_round_trip():
    with open(f"{MATCHBENCH_DIR}/supplies.csv", "rb") as handle:
        assert import_catalog_file(handle, filename="supplies.csv").ok
    items = Supply.objects.select_related("menu", "organization", "region", "chain")
    content = export_xlsx("supplies", items, contacts_allowed=lambda obj: True)
    assert sheet_rows(content)[1][0] == SUPPLY_HEADERS
    report = import_catalog_file(io.BytesIO(content), filename="export.xlsx")
    assert report.ok and report.counts["unchanged"] == 92


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)", "\t=1"])
def test_neutralise(text):
    assert neutralise(text) == "'" + text
    assert neutralise("正常文本") == "正常文本"
    assert neutralise(-5) == -5


def test_formula_injection_is_neutralised_and_round_trips():
    hostile = {
        "需求名称": "=cmd|' /C calc'!A0",
        "需求描述": '+HYPERLINK("http://evil")求助',
        "联系人": "@王",
        # A valid phone (catalog.validators) may still start like a formula.
        "联系电话": "+8613812345678",
    }
    assert import_catalog_file(io.BytesIO(csv_bytes([demand_row(1, **hostile)])), filename="x.csv").ok
    content = export_xlsx("demands", all_demands(), contacts_allowed=lambda obj: True)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = {c.column_letter: c for c in workbook.active[2]}
    assert cells["D"].value == "'=cmd|' /C calc'!A0"
    assert cells["E"].value.startswith("'+HYPERLINK")
    assert cells["J"].value == "'@王" and cells["K"].value == "'+8613812345678"
    assert all(c.data_type != "f" for c in workbook.active[2])
    # Re-importing strips the apostrophe again: the stored text is unchanged.
    report = import_catalog_file(io.BytesIO(content), filename="x.xlsx")
    assert report.ok and report.counts["unchanged"] == 1
    assert Demand.objects.get().title == "=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "kind,headers,types",
    [("demands", DEMAND_HEADERS, DemandType.values), ("supplies", SUPPLY_HEADERS, SupplyType.values)],
)
def test_template_has_headers_example_and_allowed_values(kind, headers, types):
    content = template_xlsx(kind)
    workbook, rows = sheet_rows(content)
    assert rows[0] == headers and len(rows) == 2
    assert workbook.sheetnames[1] == "说明"
    notes = "\n".join(str(v) for row in workbook["说明"].iter_rows(values_only=True) for v in row if v)
    assert "、".join(types) in notes
    for chain in ("新一代信息技术", "集成电路", "深海空天", "协作机器人"):
        assert chain in notes
    # The example row imports as it is.
    report = import_catalog_file(io.BytesIO(content), filename="template.xlsx")
    assert report.ok, report.errors
    assert report.counts["created"] == 1


# --- views -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["demands", "supplies"])
def test_template_download_is_public(client, kind):
    response = client.get(reverse("catalog:import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]


def test_template_unknown_kind_is_404(client):
    assert client.get(reverse("catalog:import_template", args=["bids"])).status_code == 404


@pytest.fixture
def catalog_rows(park_org, other_org, unverified_org):
    published = factories.DemandListFactory(organization=park_org, name="公开清单")
    draft = factories.DemandListFactory(organization=park_org, name="草稿清单", status=DemandList.Status.DRAFT)
    other = factories.DemandListFactory(organization=other_org, name="青岛清单")
    factories.DemandFactory(demand_list=published, title="公开需求", contact_name="公开联系人")
    factories.DemandFactory(demand_list=draft, title="草稿需求")
    factories.DemandFactory(demand_list=other, title="青岛需求", chain=factories.chain("集成电路"))
    factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=unverified_org), title="未认证单位供给")


def export_titles(client, url_name="catalog:demand_export", **params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    _, rows = sheet_rows(response.content)
    return {row[3]: row for row in rows[1:]}


EXPECTED = {
    # persona: (titles seen, contacts of the park's published demand visible)
    "anonymous": ({"公开需求", "青岛需求"}, False),
    "owner": ({"公开需求", "草稿需求", "青岛需求"}, True),
    "other_member": ({"公开需求", "青岛需求"}, True),
    "unverified_member": ({"公开需求", "青岛需求"}, False),
    "liaison": ({"公开需求", "草稿需求", "青岛需求"}, True),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_demand_export_per_role(client, catalog_rows, request, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    rows = export_titles(client)
    titles, contacts = EXPECTED[persona]
    assert set(rows) == titles
    assert (rows["公开需求"][9] == "公开联系人") is contacts
    if not contacts:
        assert rows["公开需求"][9] in (None, "") and rows["公开需求"][10] in (None, "")


def test_export_applies_the_list_filters(client, catalog_rows):
    rows = export_titles(client, chain=factories.chain("集成电路").pk)
    assert set(rows) == {"青岛需求"}


def test_supply_export_hides_unverified_orgs_from_others(client, catalog_rows, unverified_member):
    response = client.get(reverse("catalog:supply_export"))
    _, rows = sheet_rows(response.content)
    assert rows[0] == SUPPLY_HEADERS and len(rows) == 1
    client.force_login(unverified_member)
    assert "未认证单位供给" in export_titles(client, "catalog:supply_export")


def test_export_query_count_does_not_grow_with_rows(client, owner, park_org, django_assert_max_num_queries):
    demand_list = factories.DemandListFactory(organization=park_org)
    factories.DemandFactory.create_batch(3, demand_list=demand_list)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        client.get(reverse("catalog:demand_export"))
    factories.DemandFactory.create_batch(40, demand_list=demand_list)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:demand_export"))
    assert len(sheet_rows(response.content)[1]) == 44


def test_export_reimports_through_the_command_layout(client, platform_admin):
    assert import_catalog_file(io.BytesIO(csv_bytes(demand_rows(3))), filename="a.csv").ok
    client.force_login(platform_admin)
    response = client.get(reverse("catalog:demand_export"))
    report = import_catalog_file(io.BytesIO(response.content), filename="export.xlsx", actor=platform_admin)
    assert report.ok and report.counts["unchanged"] == 3


def test_export_row_cap(client, settings, liaison, demand, monkeypatch):
    import catalog.import_views

    monkeypatch.setattr(catalog.import_views, "EXPORT_MAX_ROWS", 0)
    client.force_login(liaison)
    response = client.get(reverse("catalog:demand_export"), follow=False)
    assert response.status_code == 302 and response["Location"].startswith(reverse("catalog:demand_list"))

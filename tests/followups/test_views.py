"""Case pages: per-role access, the move form through HTTP, filters, .xlsx export, query bounds."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from followups.models import Case, CaseDocument
from followups.services import case_log_activity, case_open
from tests import factories
from tests.followups.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(demand, supplier_org, liaison):
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    return case


@pytest.fixture
def foreign_case(other_org):
    """A case between two organisations none of the personas belongs to."""
    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=other_org))
    return CaseFactory(demand=demand)


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, case):
    for url in [
        reverse("followups:case_board"),
        reverse("followups:case_list"),
        reverse("followups:case_detail", args=[case.pk]),
        reverse("followups:case_export"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"]


@pytest.mark.parametrize("persona", ["owner", "supplier_user"])
def test_party_sees_own_case_only(client, request, case, foreign_case, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("followups:case_list"))
    assert page.status_code == 200
    assert case.demand.title in page.text and foreign_case.demand.title not in page.text
    assert client.get(reverse("followups:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("followups:case_detail", args=[foreign_case.pk])).status_code == 404
    # the board is for staff: members land on their list
    assert client.get(reverse("followups:case_board")).url == reverse("followups:case_list")


def test_other_org_gets_404(client, case, other_member):
    client.force_login(other_member)
    assert client.get(reverse("followups:case_detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("followups:case_move", args=[case.pk]), {"to_stage": "intent"}).status_code == 404
    assert (
        client.post(reverse("followups:case_activity", args=[case.pk]), {"kind": "note", "text": "x"}).status_code
        == 404
    )
    assert case.demand.title not in client.get(reverse("followups:case_list")).text
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.RECOMMENDED


@pytest.mark.parametrize("persona", ["liaison", "platform_admin"])
def test_staff_see_all_cases(client, request, case, foreign_case, persona):
    client.force_login(request.getfixturevalue(persona))
    board = client.get(reverse("followups:case_board"))
    assert board.status_code == 200
    assert case.demand.title in board.text and foreign_case.demand.title in board.text
    assert client.get(reverse("followups:case_detail", args=[foreign_case.pk])).status_code == 200


def test_document_download_permissions(client, case, owner, other_member):
    case_log_activity(
        case=case, actor=owner, kind="file", text="", file=SimpleUploadedFile("纪要.pdf", b"%PDF minutes")
    )
    doc = CaseDocument.objects.get(case=case)
    client.force_login(other_member)
    assert client.get(reverse("followups:case_document", args=[doc.pk])).status_code == 404
    client.force_login(owner)
    response = client.get(reverse("followups:case_document", args=[doc.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF minutes"


def test_audit_shown_to_staff_only(client, case, owner, liaison):
    client.force_login(owner)
    assert "审计记录" not in client.get(reverse("followups:case_detail", args=[case.pk])).text
    client.force_login(liaison)
    assert "审计记录" in client.get(reverse("followups:case_detail", args=[case.pk])).text


# --- forms through HTTP ------------------------------------------------------------------------


def test_member_moves_to_intent_via_form(client, case, owner):
    client.force_login(owner)
    response = client.post(reverse("followups:case_move", args=[case.pk]), {"to_stage": "intent"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.INTENT


def test_member_sees_only_allowed_targets(client, case, owner):
    client.force_login(owner)
    page = client.get(reverse("followups:case_detail", args=[case.pk])).text
    assert '<option value="intent"' in page and '<option value="terminated"' in page
    assert '<option value="signed"' not in page


def test_signing_form_errors_shown_and_nothing_written(client, case, liaison):
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.NEGOTIATING)
    client.force_login(liaison)
    response = client.post(
        reverse("followups:case_move", args=[case.pk]),
        {"to_stage": "signed", "contract_amount_wan": "", "signed_on": "2026-13-01"},
    )
    assert response.status_code == 400
    assert "请填写签约金额（万元）" in response.text and "格式不正确" in response.text
    assert "签约须上传合同等文件，或填写说明" in response.text
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.NEGOTIATING


def test_signing_form_with_file(client, case, liaison):
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.NEGOTIATING)
    client.force_login(liaison)
    response = client.post(
        reverse("followups:case_move", args=[case.pk]),
        {
            "to_stage": "signed",
            "contract_amount_wan": "2500",
            "signed_on": timezone.localdate().isoformat(),
            "document": SimpleUploadedFile("合同.pdf", b"%PDF-1.4"),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Case.Stage.SIGNED and case.contract_amount_wan == 2500
    assert case.documents.count() == 1


def test_activity_form(client, case, supplier_user):
    client.force_login(supplier_user)
    response = client.post(
        reverse("followups:case_activity", args=[case.pk]), {"kind": "visit", "text": "赴济宁现场考察"}
    )
    assert response.status_code == 302
    page = client.get(reverse("followups:case_detail", args=[case.pk])).text
    assert "赴济宁现场考察" in page and "走访" in page
    bad = client.post(reverse("followups:case_activity", args=[case.pk]), {"kind": "note", "text": ""})
    assert bad.status_code == 400 and "请填写内容" in bad.text


def test_next_action_is_staff_only(client, case, owner, liaison):
    url = reverse("followups:case_next_action", args=[case.pk])
    client.force_login(owner)
    # A party sees the case (no form for this on its page) but may not plan the staff's next step.
    refused = client.post(url, {"next_action": "x", "next_action_at": "2027-01-01"})
    assert refused.status_code == 403 and "无权操作该对接项目" in refused.text
    client.force_login(liaison)
    bad = client.post(url, {"next_action": "", "next_action_at": ""})
    assert bad.status_code == 400 and "请填写下一步工作" in bad.text
    assert (
        client.post(
            url, {"next_action": "组织双方视频会", "next_action_at": "2027-05-06", "owner": str(liaison.pk)}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.next_action == "组织双方视频会" and str(case.next_action_at) == "2027-05-06"


# --- list, filters, export, query counts -----------------------------------------------------------


def _many_cases(n, **kwargs):
    return [CaseFactory(**kwargs) for _ in range(n)]


def test_list_filters(client, liaison, case):
    qingdao = factories.OrganizationFactory(region=factories.region("山东省青岛市"))
    other = CaseFactory(
        demand=factories.DemandFactory(demand_list=factories.DemandListFactory(organization=qingdao)),
        stage=Case.Stage.INTENT,
        next_action_at=timezone.localdate().replace(year=2020),
    )
    client.force_login(liaison)
    url = reverse("followups:case_list")
    jining = factories.region("山东省济宁市")
    page = client.get(url, {"city": jining.pk}).text
    assert case.demand.title in page and other.demand.title not in page
    page = client.get(url, {"stage": "intent"}).text
    assert other.demand.title in page and case.demand.title not in page
    page = client.get(url, {"overdue": "true"}).text
    assert other.demand.title in page and case.demand.title not in page
    page = client.get(url, {"chain": factories.chain("机器人").pk}).text
    assert other.demand.title in page and case.demand.title in page
    page = client.get(url, {"chain": factories.chain("集成电路").pk}).text
    assert other.demand.title not in page
    Case.objects.filter(pk=other.pk).update(is_stale=True)
    page = client.get(url, {"stale": "true"}).text
    assert other.demand.title in page and case.demand.title not in page
    page = client.get(url, {"overdue": "false", "stale": "false"}).text
    assert case.demand.title in page and other.demand.title not in page


def test_list_and_board_query_counts_do_not_grow(client, liaison, django_assert_max_num_queries):
    client.force_login(liaison)
    _many_cases(3)
    with django_assert_max_num_queries(25) as small:
        client.get(reverse("followups:case_list"))
    _many_cases(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("followups:case_list")).status_code == 200
    with django_assert_max_num_queries(25) as board_small:
        client.get(reverse("followups:case_board"))
    _many_cases(20, stage=Case.Stage.INTENT)
    with django_assert_max_num_queries(len(board_small.captured_queries)):
        assert client.get(reverse("followups:case_board")).status_code == 200


def test_export_xlsx_respects_visibility_and_neutralises_formulas(client, owner, case, foreign_case):
    Case.objects.filter(pk=case.pk).update(next_action='=HYPERLINK("http://evil","点我")')
    client.force_login(owner)
    response = client.get(reverse("followups:case_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "需求名称", "需求单位")
    assert len(rows) == 2 and rows[1][1] == case.demand.title
    assert rows[1][9] == '\'=HYPERLINK("http://evil","点我")'
    assert ws.cell(row=2, column=10).data_type == "s"


def test_export_uses_filters(client, liaison, case):
    CaseFactory(stage=Case.Stage.INTENT)
    client.force_login(liaison)
    ws = load_workbook(io.BytesIO(client.get(reverse("followups:case_export"), {"stage": "intent"}).content)).active
    assert [r[7] for r in ws.iter_rows(min_row=2, values_only=True)] == ["意向"]


def test_staff_move_form_offers_next_step_first(client, case, liaison):
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.INTENT)
    client.force_login(liaison)
    page = client.get(reverse("followups:case_detail", args=[case.pk])).text
    options = page[page.index('id="to_stage"') : page.index("</select>", page.index('id="to_stage"'))]
    order = [s for s in ["negotiating", "signed", "landed", "terminated", "recommended"] if f'value="{s}"' in options]
    assert order == ["negotiating", "signed", "landed", "terminated", "recommended"]
    assert (
        options.index('value="negotiating"')
        < options.index('value="terminated"')
        < options.index('value="recommended"')
    )


def test_case_detail_query_count_does_not_grow_with_timeline(
    client, case, liaison, owner, django_assert_max_num_queries
):
    client.force_login(liaison)
    case_log_activity(case=case, actor=owner, kind="note", text="第一次沟通")
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("followups:case_detail", args=[case.pk]))
    for i in range(15):
        case_log_activity(
            case=case,
            actor=owner if i % 2 else liaison,
            kind="call",
            text=f"电话沟通 {i}",
            file=SimpleUploadedFile(f"纪要{i}.pdf", b"%PDF") if i % 3 == 0 else None,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("followups:case_detail", args=[case.pk]))
    assert "电话沟通 14" in page.text

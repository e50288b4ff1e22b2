"""The audit trail is append-only and visible to staff only."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_record, diff_fields, snapshot
from followups.models import Case
from followups.services import case_move, case_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(demand, supplier_org, liaison):
    return case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH, actor=liaison)[0]


def test_diff_fields_reports_only_changes(case):
    before = snapshot(case, ["stage", "contract_amount_wan", "signed_on", "owner"])
    case.contract_amount_wan = Decimal("12.50")
    case.signed_on = datetime.date(2027, 1, 2)
    changes = diff_fields(before, case, ["stage", "contract_amount_wan", "signed_on", "owner"])
    assert changes == {
        "contract_amount_wan": {"before": None, "after": "12.5"},
        "signed_on": {"before": None, "after": "2027-01-02"},
    }
    assert diff_fields({"stage": "recommended"}, case, ["stage"]) == {}


def test_audit_record_stores_who_and_what(case, liaison):
    entry = audit_record(actor=liaison, obj=case, action="update", changes={"x": {"before": 1, "after": 2}})
    assert entry.actor == liaison and entry.actor_repr == str(liaison)
    assert entry.object_id == str(case.pk) and entry.content_type.model == "case"


def test_entries_cannot_be_changed_or_deleted(case):
    entry = AuditEntry.objects.filter(object_id=str(case.pk)).first()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "create"


def test_admin_is_read_only(platform_admin):
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = platform_admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_every_case_change_is_audited(case, liaison):
    case_move(case=case, to_stage=Case.Stage.INTENT, actor=liaison)
    actions = list(AuditEntry.objects.filter(object_id=str(case.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["create", "stage"]


@pytest.mark.parametrize(
    "persona,status",
    [("owner", 404), ("other_member", 404), ("supplier_user", 404), ("liaison", 200), ("platform_admin", 200)],
)
def test_audit_page_access(client, request, case, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audit:entry_list")).status_code == status


def test_audit_page_anonymous_redirects(client):
    assert client.get(reverse("audit:entry_list")).status_code == 302


def test_audit_page_filters(client, case, liaison, demand, django_assert_max_num_queries):
    audit_record(actor=liaison, obj=demand, action="update", changes={"title": {"before": "旧", "after": "新"}})
    client.force_login(liaison)
    url = reverse("audit:entry_list")
    with django_assert_max_num_queries(20):
        page = client.get(url, {"model": "followups.case", "object_id": case.pk}).text
    assert "创建" in page and "旧" not in page
    page = client.get(url, {"model": "catalog.demand"}).text
    assert "旧" in page and "新" in page
    page = client.get(url, {"since": "not-a-date"}).text
    assert "格式不正确" in page


def test_entries_display_labels_not_codes(client, case, liaison):
    case_move(case=case, to_stage=Case.Stage.INTENT, actor=liaison, note="电话确认意向")
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="stage").get()
    assert ("阶段", "推荐", "意向") in entry.readable_changes()
    assert ("说明", "—", "电话确认意向") in entry.readable_changes()
    client.force_login(liaison)
    page = client.get(reverse("followups:case_detail", args=[case.pk])).text
    assert '<del class="text-muted">推荐</del> → 意向' in page


def test_entries_show_booleans_empty_values_and_times_for_people(client, case, liaison):
    """No False/True/None or ISO timestamps on the page: 是/否, —, local 年-月-日 时:分."""
    audit_record(
        actor=liaison,
        obj=case,
        action="update",
        changes={
            "is_stale": {"before": None, "after": False},
            "met_at": {"before": None, "after": "2026-12-03T08:39:42.172059+00:00"},
        },
    )
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="update").latest("id")
    rows = entry.readable_changes()
    assert ("超过30天无进展", "—", "否") in rows
    assert ("首次洽谈时间", "—", "2026-12-03 16:39") in rows  # Asia/Shanghai
    client.force_login(liaison)
    page = client.get(reverse("followups:case_detail", args=[case.pk])).text
    for raw in ("False", "None", "2026-12-03T08:39"):
        assert raw not in page


@pytest.mark.parametrize(
    "action,label",
    [("activity", "跟进记录"), ("join", "加入单位"), ("verify", "认证单位"), ("set_role", "调整成员角色")],
)
def test_every_action_the_apps_write_has_a_chinese_label(case, liaison, action, label):
    audit_record(actor=liaison, obj=case, action=action, changes={})
    assert AuditEntry.objects.filter(action=action).latest("id").action_label == label

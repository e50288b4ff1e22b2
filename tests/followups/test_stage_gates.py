"""Stage gates of case_move: required fields, skipping, backwards moves, member rights, audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEntry
from followups.models import Case, CaseActivity, CaseDocument
from followups.services import case_log_activity, case_move, case_open
from tests import factories

pytestmark = pytest.mark.django_db
S = Case.Stage


def _at(case, stage):
    Case.objects.filter(pk=case.pk).update(stage=stage)
    case.refresh_from_db()
    return case


def _errors(exc_info):
    return exc_info.value.message_dict


@pytest.fixture
def case(demand, supplier_org, liaison):
    case, created = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH, actor=liaison)
    assert created
    return case


def test_case_open_sets_owner_next_action_and_audit(case, liaison):
    assert case.owner == liaison  # responsible for 济宁市
    assert case.next_action and case.next_action_at == timezone.localdate() + datetime.timedelta(days=7)
    entry = AuditEntry.objects.get(object_id=str(case.pk), action="create")
    assert entry.changes["stage"]["after"] == "recommended"


def test_case_open_twice_returns_same_case(case, demand, supplier_org):
    again, created = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.BID)
    assert not created and again.pk == case.pk


def test_event_origin_counts_as_met(demand, supplier_org):
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.EVENT)
    assert case.met_at is not None


def test_one_step_forward_needs_nothing(case, liaison):
    case = case_move(case=case, to_stage=S.INTENT, actor=liaison)
    assert case.stage == S.INTENT
    assert case.activities.filter(kind=CaseActivity.Kind.STAGE).count() == 1
    assert AuditEntry.objects.filter(object_id=str(case.pk), action="stage").count() == 1


def test_skip_without_note_refused_with_note_allowed(case, liaison):
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.NEGOTIATING, actor=liaison)
    assert "跳过「意向」阶段必须填写说明" in _errors(exc)["note"][0]
    assert Case.objects.get(pk=case.pk).stage == S.RECOMMENDED
    case = case_move(case=case, to_stage=S.NEGOTIATING, actor=liaison, note="对接会上双方直接进入洽谈")
    assert case.stage == S.NEGOTIATING and case.met_at is not None


@pytest.mark.parametrize(
    "missing,message",
    [
        ("contract_amount_wan", "请填写签约金额（万元）"),
        ("signed_on", "请填写签约日期"),
        ("document", "签约须上传合同等文件，或填写说明"),
    ],
)
def test_signing_requires_each_field(case, liaison, missing, message):
    case = _at(case, S.NEGOTIATING)
    fields = {
        "contract_amount_wan": "1200",
        "signed_on": timezone.localdate().isoformat(),
        "document": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract"),
    }
    fields.pop(missing)
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.SIGNED, actor=liaison, **fields)
    assert message in _errors(exc)[missing][0]
    case.refresh_from_db()
    assert case.stage == S.NEGOTIATING and case.contract_amount_wan is None
    assert not CaseDocument.objects.exists()


def test_signing_with_document_stores_it(case, liaison):
    case = _at(case, S.NEGOTIATING)
    case = case_move(
        case=case,
        to_stage=S.SIGNED,
        actor=liaison,
        contract_amount_wan="1,200.5",
        signed_on=timezone.localdate(),
        document=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract"),
    )
    assert case.stage == S.SIGNED and str(case.contract_amount_wan) == "1200.50"
    doc = CaseDocument.objects.get(case=case)
    assert doc.title == "合同.pdf"
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="stage").first()
    assert entry.changes["contract_amount_wan"] == {"before": None, "after": "1200.5"}
    assert entry.actor == liaison


def test_signing_with_note_instead_of_document(case, liaison):
    case = _at(case, S.NEGOTIATING)
    case = case_move(
        case=case,
        to_stage=S.SIGNED,
        actor=liaison,
        note="合同原件在市商务局存档",
        contract_amount_wan="300",
        signed_on=timezone.localdate(),
    )
    assert case.stage == S.SIGNED


@pytest.mark.parametrize("amount,message", [("-5", "必须大于 0"), ("abc", "不是有效的数字"), ("0", "必须大于 0")])
def test_signing_rejects_bad_amount(case, liaison, amount, message):
    case = _at(case, S.NEGOTIATING)
    with pytest.raises(ValidationError) as exc:
        case_move(
            case=case, to_stage=S.SIGNED, actor=liaison, note="n", contract_amount_wan=amount, signed_on="2026-01-05"
        )
    assert message in _errors(exc)["contract_amount_wan"][0]


def test_signing_rejects_future_date_and_bad_document(case, liaison):
    case = _at(case, S.NEGOTIATING)
    with pytest.raises(ValidationError) as exc:
        case_move(
            case=case,
            to_stage=S.SIGNED,
            actor=liaison,
            contract_amount_wan="10",
            signed_on=(timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            document=SimpleUploadedFile("run.exe", b"MZ"),
        )
    errors = _errors(exc)
    assert "不能晚于今天" in errors["signed_on"][0]
    assert "类型不支持" in errors["document"][0]


@pytest.mark.parametrize(
    "missing,message",
    [
        ("investment_amount_wan", "请填写落地投资额（万元）"),
        ("landed_location", "请选择落地地点"),
        ("landed_on", "请填写落地日期"),
    ],
)
def test_landing_requires_each_field(case, liaison, missing, message):
    case = _at(case, S.SIGNED)
    Case.objects.filter(pk=case.pk).update(
        contract_amount_wan=100, signed_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    fields = {
        "investment_amount_wan": "5000",
        "landed_location": factories.region("山东省济宁市").pk,
        "landed_on": timezone.localdate(),
    }
    fields.pop(missing)
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.LANDED, actor=liaison, **fields)
    assert message in _errors(exc)[missing][0]
    assert Case.objects.get(pk=case.pk).stage == S.SIGNED


def test_landing_before_signing_date_refused(case, liaison):
    case = _at(case, S.SIGNED)
    Case.objects.filter(pk=case.pk).update(contract_amount_wan=100, signed_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        case_move(
            case=case,
            to_stage=S.LANDED,
            actor=liaison,
            investment_amount_wan="10",
            landed_location="山东省济宁市",
            landed_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert "不能早于签约日期" in _errors(exc)["landed_on"][0]


def test_landing_succeeds(case, liaison):
    case = _at(case, S.SIGNED)
    Case.objects.filter(pk=case.pk).update(contract_amount_wan=100, signed_on=timezone.localdate())
    case = case_move(
        case=case,
        to_stage=S.LANDED,
        actor=liaison,
        investment_amount_wan="8000",
        landed_location="山东省济宁市",
        landed_on=timezone.localdate(),
    )
    assert case.stage == S.LANDED and case.landed_location.full_name == "山东省济宁市"


def test_skipping_to_landed_also_needs_signing_data(case, liaison):
    case = _at(case, S.NEGOTIATING)
    with pytest.raises(ValidationError) as exc:
        case_move(
            case=case,
            to_stage=S.LANDED,
            actor=liaison,
            note="签约与落地同日完成",
            investment_amount_wan="10",
            landed_location="山东省济宁市",
            landed_on=timezone.localdate(),
        )
    assert "contract_amount_wan" in _errors(exc)


def test_termination_requires_reason(case, liaison):
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.TERMINATED, actor=liaison, termination_reason="  ")
    assert "终止项目必须填写原因" in _errors(exc)["termination_reason"][0]
    case = case_move(case=case, to_stage=S.TERMINATED, actor=liaison, termination_reason="供给方产能不足")
    assert case.stage == S.TERMINATED and case.termination_reason == "供给方产能不足"


def test_backwards_needs_staff_and_note(case, liaison, owner):
    case = _at(case, S.NEGOTIATING)
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.INTENT, actor=liaison)
    assert "回退" in _errors(exc)["note"][0]
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.INTENT, actor=owner, note="想退回")
    assert "对接专员" in _errors(exc)["to_stage"][0]
    case = case_move(case=case, to_stage=S.INTENT, actor=liaison, note="洽谈暂停，等待对方新方案")
    assert case.stage == S.INTENT


def test_backwards_from_signed_withdraws_contract_data_but_audit_keeps_it(case, liaison):
    case = _at(case, S.SIGNED)
    Case.objects.filter(pk=case.pk).update(contract_amount_wan=100, signed_on=timezone.localdate())
    case = case_move(case=case, to_stage=S.NEGOTIATING, actor=liaison, note="合同登记有误")
    assert case.contract_amount_wan is None and case.signed_on is None
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="stage").first()
    assert entry.changes["contract_amount_wan"]["before"] == "100"


def test_reopening_terminated_case_is_staff_only_with_note(case, liaison, owner):
    case = case_move(case=case, to_stage=S.TERMINATED, actor=liaison, termination_reason="需求取消")
    with pytest.raises(ValidationError):
        case_move(case=case, to_stage=S.INTENT, actor=owner, note="重新启动")
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.INTENT, actor=liaison)
    assert "note" in _errors(exc)
    case = case_move(case=case, to_stage=S.INTENT, actor=liaison, note="需求恢复")
    assert case.stage == S.INTENT and case.termination_reason == ""


def test_members_move_one_step_within_early_stages(case, owner, supplier_user):
    case = case_move(case=case, to_stage=S.INTENT, actor=supplier_user)
    case = case_move(case=case, to_stage=S.NEGOTIATING, actor=owner)
    with pytest.raises(ValidationError) as exc:
        case_move(
            case=case, to_stage=S.SIGNED, actor=owner, note="已签", contract_amount_wan="1", signed_on="2026-01-01"
        )
    assert "签约、落地及回退由对接专员登记" in _errors(exc)["to_stage"][0]
    case = case_move(case=case, to_stage=S.TERMINATED, actor=supplier_user, termination_reason="技术路线不匹配")
    assert case.stage == S.TERMINATED


def test_member_cannot_skip_even_with_note(case, owner):
    with pytest.raises(ValidationError):
        case_move(case=case, to_stage=S.NEGOTIATING, actor=owner, note="直接洽谈")


def test_outsider_cannot_move(case, other_member):
    with pytest.raises(PermissionDenied, match="无权操作该对接项目"):
        case_move(case=case, to_stage=S.INTENT, actor=other_member)
    assert Case.objects.get(pk=case.pk).stage == S.RECOMMENDED


def test_same_stage_refused(case, liaison):
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage=S.RECOMMENDED, actor=liaison)
    assert "已处于" in _errors(exc)["to_stage"][0]


def test_unknown_stage_refused(case, liaison):
    with pytest.raises(ValidationError) as exc:
        case_move(case=case, to_stage="won", actor=liaison)
    assert "未知的阶段" in _errors(exc)["to_stage"][0]


def test_log_activity_updates_timeline_and_clears_stale(case, owner):
    Case.objects.filter(pk=case.pk).update(is_stale=True)
    activity = case_log_activity(case=case, actor=owner, kind="call", text="与李经理电话沟通，对方下周来访")
    case.refresh_from_db()
    assert activity.get_kind_display() == "电话" and not case.is_stale
    assert case.last_activity_at == activity.created_at


def test_log_activity_file_becomes_document(case, owner):
    case_log_activity(
        case=case, actor=owner, kind="file", text="", file=SimpleUploadedFile("会议纪要.docx", b"PK docx")
    )
    assert CaseDocument.objects.get(case=case).title == "会议纪要.docx"


def test_log_activity_bad_input(case, owner):
    with pytest.raises(ValidationError) as exc:
        case_log_activity(case=case, actor=owner, kind="file", text="见附件")
    assert "请选择要上传的文件" in _errors(exc)["file"][0]
    with pytest.raises(ValidationError) as exc:
        case_log_activity(case=case, actor=owner, kind="note", text="   ")
    assert "请填写内容" in _errors(exc)["text"][0]
    with pytest.raises(ValidationError) as exc:
        case_log_activity(case=case, actor=owner, kind="meeting", text="x")
    assert "未知的记录类型" in _errors(exc)["kind"][0]
    assert not CaseActivity.objects.filter(case=case).exists()


def test_meeting_on_existing_case_marks_it_met_once(case, liaison):
    from followups.services import case_mark_met

    assert case.met_at is None
    again, created = case_open(demand=case.demand, supply_org=case.supply_org, origin=Case.Origin.EVENT, actor=liaison)
    assert not created and again.met_at is not None
    first = again.met_at
    case_mark_met(case=again, actor=liaison)
    again.refresh_from_db()
    assert again.met_at == first  # a project met three times counts once
    assert AuditEntry.objects.filter(object_id=str(case.pk), changes__has_key="met_at").count() == 1

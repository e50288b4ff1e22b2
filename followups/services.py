"""Opening and moving 对接项目. Other apps (matching, bidding, events) open cases through case_open.

Stage rules (case_move):
- the main line is 推荐 → 意向 → 洽谈 → 签约 → 落地; 终止 can be reached from any open stage;
- skipping a stage needs a note saying why;
- 签约 needs the contract amount（万元）, the signing date and a document or a note;
- 落地 needs the investment amount（万元）, the location and the date (and the 签约 data, when
  the case skips 签约);
- 终止 needs a reason;
- moving backwards (or reopening a 终止/落地 case) is for managing staff only, with a note;
- organisation members (of the demand owner or of the supplying organisation) may only move
  forward one step within 推荐 → 意向 → 洽谈, or terminate with a reason. 签约 and 落地 are
  reported upwards, so liaison staff record them from the evidence the parties upload.

Who may act (followups.selectors has the whole matrix): platform admins on every case; liaison staff
on cases in the regions they cover or cases they own; the parties as above. Liaison staff of other
regions read only: every write here raises PermissionDenied with a Chinese message for them, so the
case page, any API and the admin agree. Every change is written to the audit trail.
"""

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import is_liaison, liaison_staff_for_region, user_acts_for_region
from audit.services import audit_record, diff_fields, snapshot
from catalog.models import Region
from followups.models import Case, CaseActivity, CaseDocument
from followups.selectors import can_log_case_activity, can_manage_case, case_region_name, user_is_case_party
from notifications.models import Notification
from notifications.services import notify
from portal.outbox import enqueue

Stage = Case.Stage
AUDITED_FIELDS = [
    "stage",
    "owner",
    "next_action",
    "next_action_at",
    "contract_amount_wan",
    "signed_on",
    "investment_amount_wan",
    "landed_location",
    "landed_on",
    "termination_reason",
    "met_at",
    "is_stale",
]
DEFAULT_NEXT_ACTION_DAYS = 7
MEMBER_STAGES = {Stage.RECOMMENDED, Stage.INTENT, Stage.NEGOTIATING}
# What to do next at each stage; a next action still equal to its stage's suggestion (or to one
# of the texts other apps open cases with) follows the case when it moves, and is cleared at 落地/终止.
STAGE_SUGGESTIONS = {
    Stage.RECOMMENDED: "电话确认双方意向",
    Stage.INTENT: "安排首次洽谈",
    Stage.NEGOTIATING: "推动签约：确认合同金额与日期",
    Stage.SIGNED: "跟踪落地：投资额与落地地点",
}
AUTOMATIC_NEXT_ACTIONS = set(STAGE_SUGGESTIONS.values()) | {
    "联系双方确认对接意向",
    "联系双方确认对接意向（智能匹配推荐）",
    "联系双方落实意向书",
    "联系意向书单位确认对接意向",
}
DOCUMENT_EXTENSIONS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".zip", ".ofd"}
SIGNED_FIELDS = ("contract_amount_wan", "signed_on")
LANDED_FIELDS = ("investment_amount_wan", "landed_location", "landed_on")


# --- reading helpers used by views and services -----------------------------------------------


def _deny(user, case, action):
    """PermissionDenied for `user` on `case`: a reading liaison is told whose region it is."""
    if is_liaison(user):
        return PermissionDenied(
            f"该对接项目属于{case_region_name(case)}，不在您负责的地区，您只能查看，不能{action}。"
            "请联系负责该地区的对接专员或平台管理员。"
        )
    return PermissionDenied("无权操作该对接项目。")


def require_case_manager(user, case, action):
    """Raise PermissionDenied unless `user` has staff rights on `case` (see can_manage_case)."""
    if not can_manage_case(user, case):
        raise _deny(user, case, action)


def suggested_next_action(stage):
    """The 下一步 suggested for a case at `stage` ("" at 落地/终止)."""
    return STAGE_SUGGESTIONS.get(stage, "")


def default_target_stage(case):
    """The move form's preselected target: the next stage on the main line, never 终止."""
    index = case.stage_index
    if index is None or index + 1 >= len(Case.FLOW):
        return None
    return Case.FLOW[index + 1]


def allowed_target_stages(user, case):
    """Stages `user` may try to move `case` to (the gates may still ask for more)."""
    if can_manage_case(user, case):
        # The natural next step first, then the rest of the way forward, 终止, then backwards moves.
        index = case.stage_index
        forward = Case.FLOW[index + 1 :] if index is not None else []
        backward = [s for s in Case.FLOW if s not in forward and s != case.stage]
        closing = [Stage.TERMINATED] if case.stage != Stage.TERMINATED else []
        return forward + closing + list(reversed(backward))
    if not user_is_case_party(user, case) or not case.is_open:
        return []
    targets = []
    index = case.stage_index
    if index is not None and index + 1 < len(Case.FLOW) and Case.FLOW[index + 1] in MEMBER_STAGES:
        targets.append(Case.FLOW[index + 1])
    targets.append(Stage.TERMINATED)
    return targets


# --- opening ----------------------------------------------------------------------------------


@transaction.atomic
def case_open(*, demand, supply_org, origin, supply=None, origin_ref="", next_action="", actor=None, met_at=None):
    """Open (or return the existing) case for a demand and a supplying organisation.

    The owner is the first liaison officer responsible for the demand's region. Returns
    (case, created). A case opened from a 对接会 meeting counts as met at once — at `met_at` (the
    meeting's time) when given, else now.
    """
    now = timezone.now()
    met = min(met_at, now) if met_at is not None else now
    case, created = Case.objects.select_for_update().get_or_create(
        demand=demand,
        supply_org=supply_org,
        defaults={
            "supply": supply,
            "origin": origin,
            "origin_ref": str(origin_ref),
            "owner": liaison_staff_for_region(demand.region).order_by("id").first(),
            "next_action": next_action or suggested_next_action(Stage.RECOMMENDED),
            "next_action_at": timezone.localdate() + datetime.timedelta(days=DEFAULT_NEXT_ACTION_DAYS),
            "met_at": met if origin == Case.Origin.EVENT else None,
        },
    )
    if created:
        audit_record(actor=actor, obj=case, action="create", changes=diff_fields({}, case, AUDITED_FIELDS + ["origin"]))
    elif origin == Case.Origin.EVENT and case.met_at is None:
        # An existing case whose parties now met at a 对接会: record the meeting once.
        before = snapshot(case, AUDITED_FIELDS)
        case.met_at = met
        case.last_activity_at = now
        case.is_stale = False
        case.save(update_fields=["met_at", "last_activity_at", "is_stale", "updated_at"])
        audit_record(actor=actor, obj=case, action="update", changes=diff_fields(before, case, AUDITED_FIELDS))
    return case, created


@transaction.atomic
def case_mark_met(*, case, actor=None, at=None, note=""):
    """Record that the two sides met (e.g. a 对接会 1:1 meeting took place). Idempotent."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.met_at is not None:
        return case
    before = snapshot(case, AUDITED_FIELDS)
    case.met_at = at or timezone.now()
    case.save(update_fields=["met_at", "updated_at"])
    audit_record(actor=actor, obj=case, action="update", changes=diff_fields(before, case, AUDITED_FIELDS))
    _add_activity(case=case, actor=actor, kind=CaseActivity.Kind.NOTE, text=note or "双方已在对接会洽谈")
    return case


# --- moving -----------------------------------------------------------------------------------


def _cn_date(value):
    return f"{value.year}年{value.month}月{value.day}日"


def _parse_amount(raw, label):
    if raw in (None, ""):
        raise ValidationError(f"请填写{label}。")
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{label}「{raw}」不是有效的数字。") from None
    if not value.is_finite() or value <= 0:
        raise ValidationError(f"{label}必须大于 0。")
    if value >= Decimal("1e12"):
        raise ValidationError(f"{label}过大，请以万元为单位填写。")
    return value.quantize(Decimal("0.01"))


def _parse_date(raw, label):
    if raw in (None, ""):
        raise ValidationError(f"请填写{label}。")
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        value = raw
    else:
        try:
            value = datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValidationError(f"{label}「{raw}」格式不正确，应为 YYYY-MM-DD。") from None
    if value > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")
    return value


def _parse_region(raw):
    if raw in (None, ""):
        raise ValidationError("请选择落地地点（城市或园区所在区县）。")
    if isinstance(raw, Region):
        return raw
    region = (
        Region.objects.filter(pk=raw).first() if str(raw).isdigit() else Region.objects.filter(full_name=raw).first()
    )
    if region is None:
        raise ValidationError(f"落地地点「{raw}」不存在。")
    return region


def validate_document(upload):
    """Size and type check for an uploaded evidence file; raises ValidationError in Chinese."""
    ext = Path(upload.name or "").suffix.lower()
    if ext not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            f"文件「{upload.name}」类型不支持，请上传 {'、'.join(sorted(e[1:] for e in DOCUMENT_EXTENSIONS))} 格式。"
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(f"文件「{upload.name}」超过 {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB。")
    if upload.size == 0:
        raise ValidationError(f"文件「{upload.name}」是空文件。")


def _collect(errors, key, func, *args):
    try:
        return func(*args)
    except ValidationError as exc:
        errors[key] = exc.messages[0]
        return None


@transaction.atomic
def case_move(*, case, to_stage, actor, note="", **fields):
    """Move `case` to `to_stage` if the gates allow it; raises ValidationError (a dict of
    field → Chinese message) otherwise, writing nothing. Raises PermissionDenied for anyone who
    is neither a party nor managing staff of the case (liaison staff of other regions included).

    Accepted fields: contract_amount_wan, signed_on, document (an uploaded file),
    investment_amount_wan, landed_location (Region, id or full name), landed_on,
    termination_reason, next_action, next_action_at.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("demand").get(pk=case.pk)
    if not (can_manage_case(actor, case) or user_is_case_party(actor, case)):
        raise _deny(actor, case, "变更阶段")
    note = (note or "").strip()
    if not to_stage:
        raise ValidationError({"to_stage": "请选择目标阶段。"})
    try:
        to_stage = Stage(to_stage)
    except ValueError:
        raise ValidationError({"to_stage": f"未知的阶段「{to_stage}」。"}) from None
    if to_stage == case.stage:
        raise ValidationError({"to_stage": f"项目已处于「{to_stage.label}」阶段。"})

    if to_stage not in allowed_target_stages(actor, case):
        raise ValidationError(
            {
                "to_stage": f"您不能将项目从「{case.get_stage_display()}」改为「{to_stage.label}」："
                "签约、落地及回退由对接专员登记。"
            }
        )

    from_index = case.stage_index
    to_index = Case.FLOW.index(to_stage) if to_stage in Case.FLOW else None
    errors = {}
    is_backwards = (
        case.stage in Case.CLOSED_STAGES
        and to_stage != Stage.TERMINATED
        or (from_index is not None and to_index is not None and to_index < from_index)
    )
    if is_backwards and not note:
        errors["note"] = "回退或重新打开项目必须填写说明。"
    if not is_backwards and to_index is not None and from_index is not None and to_index > from_index + 1 and not note:
        skipped = "、".join(s.label for s in Case.FLOW[from_index + 1 : to_index])
        errors["note"] = f"跳过「{skipped}」阶段必须填写说明。"

    before = snapshot(case, AUDITED_FIELDS)
    document = fields.get("document")
    needs_signing = to_stage == Stage.SIGNED or (to_stage == Stage.LANDED and case.signed_on is None)
    if needs_signing:
        amount = _collect(
            errors, "contract_amount_wan", _parse_amount, fields.get("contract_amount_wan"), "签约金额（万元）"
        )
        signed_on = _collect(errors, "signed_on", _parse_date, fields.get("signed_on"), "签约日期")
        if document:
            _collect(errors, "document", validate_document, document)
        elif not note and not case.documents.exists():
            errors["document"] = "签约须上传合同等文件，或填写说明。"
        if signed_on and case.met_at and signed_on < timezone.localtime(case.met_at).date():
            errors["signed_on"] = (
                f"签约日期（{_cn_date(signed_on)}）不能早于首次洽谈日期（{_cn_date(timezone.localtime(case.met_at))}）。"
            )
        case.contract_amount_wan, case.signed_on = amount, signed_on
    if to_stage == Stage.LANDED:
        case.investment_amount_wan = _collect(
            errors, "investment_amount_wan", _parse_amount, fields.get("investment_amount_wan"), "落地投资额（万元）"
        )
        case.landed_location = _collect(errors, "landed_location", _parse_region, fields.get("landed_location"))
        case.landed_on = _collect(errors, "landed_on", _parse_date, fields.get("landed_on"), "落地日期")
        if case.landed_on and case.signed_on and case.landed_on < case.signed_on:
            errors["landed_on"] = (
                f"落地日期（{_cn_date(case.landed_on)}）不能早于签约日期（{_cn_date(case.signed_on)}）。"
            )
    if to_stage == Stage.TERMINATED:
        reason = (fields.get("termination_reason") or "").strip()
        if not reason:
            errors["termination_reason"] = "终止项目必须填写原因。"
        case.termination_reason = reason[:200]
    elif case.stage == Stage.TERMINATED:
        case.termination_reason = ""
    if errors:
        raise ValidationError(errors)

    # Moving back below a stage withdraws what that stage recorded (the audit keeps the old values).
    if to_index is not None and to_index < Case.FLOW.index(Stage.LANDED):
        case.investment_amount_wan = case.landed_location = case.landed_on = None
    if to_index is not None and to_index < Case.FLOW.index(Stage.SIGNED):
        case.contract_amount_wan = case.signed_on = None

    now = timezone.now()
    if to_index is not None and to_index >= Case.FLOW.index(Stage.NEGOTIATING) and case.met_at is None:
        case.met_at = now
    if to_stage in Case.CLOSED_STAGES:
        # Nothing left to do on a closed case.
        case.next_action, case.next_action_at = "", None
    elif "next_action" in fields or "next_action_at" in fields:
        _apply_next_action(case, fields.get("next_action"), fields.get("next_action_at"), errors)
        if errors:
            raise ValidationError(errors)
    else:
        if not case.next_action or case.next_action in AUTOMATIC_NEXT_ACTIONS:
            case.next_action = suggested_next_action(to_stage)
        case.next_action_at = max(case.next_action_at or timezone.localdate(), timezone.localdate())

    from_label = case.get_stage_display()
    case.stage = to_stage
    case.last_activity_at = now
    case.is_stale = False
    case.save()

    doc = None
    if needs_signing and document:
        doc = CaseDocument.objects.create(case=case, title=document.name[:200], file=document, uploaded_by=actor)
    text = f"{from_label} → {to_stage.label}"
    if to_stage == Stage.TERMINATED:
        text += f"（原因：{case.termination_reason}）"
    if note:
        text += f"\n{note}"
    _add_activity(case=case, actor=actor, kind=CaseActivity.Kind.STAGE, text=text, document=doc)
    changes = diff_fields(before, case, AUDITED_FIELDS)
    if note:
        changes["note"] = {"before": None, "after": note}
    audit_record(actor=actor, obj=case, action="stage", changes=changes)
    _notify_owner(case, actor, f"对接项目进入「{to_stage.label}」阶段：{case.demand.title}")
    enqueue(
        "webhooks.tasks.emit",
        "case.stage_changed",
        case.demand.organization_id,
        {
            "case_id": case.pk,
            "demand_title": case.demand.title,
            "from_stage": from_label,
            "stage": to_stage.label,
            "region_id": case.demand.region_id,
            "url": _case_url(case),
        },
    )
    return case


def _apply_next_action(case, text, when, errors):
    text = (text or "").strip()
    if not text:
        errors["next_action"] = "请填写下一步工作。"
    if when in (None, ""):
        errors["next_action_at"] = "请填写下一步日期。"
        return
    if not isinstance(when, datetime.date):
        try:
            when = datetime.date.fromisoformat(str(when).strip())
        except ValueError:
            errors["next_action_at"] = f"下一步日期「{when}」格式不正确，应为 YYYY-MM-DD。"
            return
    if text:
        case.next_action, case.next_action_at = text[:200], when


@transaction.atomic
def case_set_next_action(*, case, actor, next_action, next_action_at):
    """Set the case's next action and its date (every open case has one); managing staff only."""
    case = Case.objects.select_for_update(of=("self",)).select_related("demand__region__parent__parent").get(pk=case.pk)
    require_case_manager(actor, case, "修改下一步工作")
    before = snapshot(case, AUDITED_FIELDS)
    errors = {}
    _apply_next_action(case, next_action, next_action_at, errors)
    if errors:
        raise ValidationError(errors)
    case.save(update_fields=["next_action", "next_action_at", "updated_at"])
    changes = diff_fields(before, case, AUDITED_FIELDS)
    if changes:
        audit_record(actor=actor, obj=case, action="update", changes=changes)
    return case


@transaction.atomic
def case_assign(*, case, actor, owner):
    """Hand the case to another liaison officer covering its region (or a platform admin), or to nobody.

    Managing staff only (see can_manage_case); the new owner must be able to act on the case.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("demand__region__parent__parent").get(pk=case.pk)
    require_case_manager(actor, case, "更换负责人")
    if owner is not None and owner.pk != case.owner_id and not user_acts_for_region(owner, case.demand.region_id):
        raise ValidationError({"owner": f"负责人必须是负责{case_region_name(case)}的在岗对接专员，或平台管理员。"})
    before = snapshot(case, AUDITED_FIELDS)
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    changes = diff_fields(before, case, AUDITED_FIELDS)
    if changes:
        audit_record(actor=actor, obj=case, action="update", changes=changes)
        if owner is not None and owner != actor:
            notify(
                recipients=[owner],
                kind=Notification.Kind.FOLLOWUP,
                title=f"您被指定为对接项目负责人：{case.demand.title}",
                url=_case_url(case),
            )
    return case


# --- timeline ---------------------------------------------------------------------------------


def _add_activity(*, case, actor, kind, text, document=None):
    return CaseActivity.objects.create(case=case, actor=actor, kind=kind, text=text[:2000], document=document)


@transaction.atomic
def case_log_activity(*, case, actor, kind, text, file=None):
    """Add a 备注/电话/走访/文件 entry to the case timeline; a file is kept as a case document."""
    kind_values = {CaseActivity.Kind.NOTE, CaseActivity.Kind.CALL, CaseActivity.Kind.VISIT, CaseActivity.Kind.FILE}
    errors = {}
    if kind not in kind_values:
        errors["kind"] = f"未知的记录类型「{kind}」。"
    text = (text or "").strip()
    if len(text) > 2000:
        errors["text"] = "内容不能超过 2000 字。"
    if kind == CaseActivity.Kind.FILE and file is None:
        errors["file"] = "请选择要上传的文件。"
    if file is not None:
        try:
            validate_document(file)
        except ValidationError as exc:
            errors["file"] = exc.messages[0]
    if not text and file is None:
        errors["text"] = "请填写内容。"
    case = Case.objects.select_for_update(of=("self",)).select_related("demand__region__parent__parent").get(pk=case.pk)
    if not can_log_case_activity(actor, case):
        raise _deny(actor, case, "添加跟进记录或上传文件")
    if errors:
        raise ValidationError(errors)
    document = None
    if file is not None:
        document = CaseDocument.objects.create(case=case, title=file.name[:200], file=file, uploaded_by=actor)
    activity = _add_activity(case=case, actor=actor, kind=kind, text=text or document.title, document=document)
    was_stale = case.is_stale
    case.last_activity_at = activity.created_at
    case.is_stale = False
    case.save(update_fields=["last_activity_at", "is_stale", "updated_at"])
    audit_record(
        actor=actor,
        obj=case,
        action="activity",
        changes={
            "activity": {"before": None, "after": f"{activity.get_kind_display()}：{activity.text[:200]}"},
            **({"is_stale": {"before": True, "after": False}} if was_stale else {}),
        },
    )
    if not is_liaison(actor):
        _notify_owner(case, actor, f"对接项目有新的跟进记录：{case.demand.title}")
    return activity


MEETING_MODES = {"offline": "线下", "online": "线上"}


@transaction.atomic
def case_schedule_meeting(*, case, actor, date, time, mode, place, note=""):
    """安排洽谈: a planned meeting written to the timeline; the next action becomes the meeting.

    `mode` is "offline" (place = the address) or "online" (place = the link or platform). The date
    may not be in the past. Whoever may log activity on the case may schedule (parties and staff).
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("demand__region__parent__parent").get(pk=case.pk)
    if not can_log_case_activity(actor, case):
        raise _deny(actor, case, "安排洽谈")
    errors = {}
    if not case.is_open:
        errors["date"] = f"项目已「{case.get_stage_display()}」，不能再安排洽谈。"
    day = None
    if date in (None, ""):
        errors["date"] = "请填写洽谈日期。"
    else:
        try:
            day = date if isinstance(date, datetime.date) else datetime.date.fromisoformat(str(date).strip())
        except ValueError:
            errors["date"] = f"洽谈日期「{date}」格式不正确。"
        else:
            if day < timezone.localdate():
                errors["date"] = "洽谈日期不能早于今天。"
    at = None
    if time in (None, ""):
        errors["time"] = "请填写洽谈时间。"
    else:
        try:
            at = time if isinstance(time, datetime.time) else datetime.time.fromisoformat(str(time).strip())
        except ValueError:
            errors["time"] = f"洽谈时间「{time}」格式不正确，应为 时:分。"
    if mode not in MEETING_MODES:
        errors["mode"] = "请选择线下或线上洽谈。"
    place = (place or "").strip()
    if not place:
        errors["place"] = "请填写洽谈地点或线上会议链接。" if mode != "online" else "请填写线上会议链接或平台。"
    elif len(place) > 200:
        errors["place"] = "地点不能超过 200 字。"
    note = (note or "").strip()
    if len(note) > 1000:
        errors["note"] = "说明不能超过 1000 字。"
    if errors:
        raise ValidationError(errors)
    when = f"{_cn_date(day)} {at:%H:%M}"
    text = f"安排洽谈：{when}，{MEETING_MODES[mode]}，{place}"
    if note:
        text += f"\n{note}"
    before = snapshot(case, AUDITED_FIELDS)
    activity = _add_activity(case=case, actor=actor, kind=CaseActivity.Kind.MEETING, text=text)
    case.next_action = f"洽谈（{MEETING_MODES[mode]}）：{when}，{place}"[:200]
    case.next_action_at = day
    case.last_activity_at = activity.created_at
    case.is_stale = False
    case.save(update_fields=["next_action", "next_action_at", "last_activity_at", "is_stale", "updated_at"])
    changes = diff_fields(before, case, AUDITED_FIELDS)
    changes["activity"] = {"before": None, "after": text[:200]}
    audit_record(actor=actor, obj=case, action="activity", changes=changes)
    _notify_owner(case, actor, f"对接项目已安排洽谈：{case.demand.title}")
    return activity


# --- other apps' events ------------------------------------------------------------------------


def _advance_to_intent(case, note, actor=None):
    """推荐 → 意向 written by the platform (no person moved it); other stages get a note."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if case.stage != Stage.RECOMMENDED:
        _add_activity(case=case, actor=actor, kind=CaseActivity.Kind.NOTE, text=note)
        return case, False
    before = snapshot(case, AUDITED_FIELDS)
    now = timezone.now()
    case.stage = Stage.INTENT
    if not case.next_action or case.next_action in AUTOMATIC_NEXT_ACTIONS:
        case.next_action = suggested_next_action(Stage.INTENT)
    case.next_action_at = max(case.next_action_at or timezone.localdate(), timezone.localdate())
    case.last_activity_at = now
    case.is_stale = False
    case.save()
    _add_activity(case=case, actor=actor, kind=CaseActivity.Kind.STAGE, text=f"推荐 → 意向\n{note}")
    audit_record(actor=actor, obj=case, action="stage", changes=diff_fields(before, case, AUDITED_FIELDS))
    if actor is not None:
        # Moves the platform makes by itself (bids unsealed at the deadline) are not announced one by
        # one: the owner organisation's notice that the bids are open is the only message then.
        _notify_owner(case, actor, f"对接项目进入「意向」阶段：{case.demand.title}")
    return case, True


@transaction.atomic
def cases_for_readable_bids(*, demand, bids):
    """Bids whose seal is off (past the deadline, or open bids under 公开报价): one case per bidder.

    A bidder without a case gets one (来源 意向书, at 意向: a bid is an intent); an existing 推荐
    case moves to 意向; a case further on keeps its stage. Idempotent: the bid's id is the
    reference, and a case already holding it is left alone. The caller must have checked the seal
    — a case is visible to the demand owner, so opening one reveals the bid.
    """
    touched = []
    for bid in bids:
        ref = str(bid.pk)
        case = Case.objects.select_for_update().filter(demand=demand, supply_org_id=bid.organization_id).first()
        note = f"收到「{bid.organization.name}」的意向书。"
        if case is None:
            case, _created = case_open(
                demand=demand,
                supply_org=bid.organization,
                origin=Case.Origin.BID,
                origin_ref=ref,
                next_action=suggested_next_action(Stage.INTENT),
            )
            case, _moved = _advance_to_intent(case, note)
            touched.append(case)
            continue
        if case.origin_ref == ref or case.activities.filter(text__contains=note).exists():
            continue  # this bid already reached the case
        case, _moved = _advance_to_intent(case, note)
        touched.append(case)
    return touched


@transaction.atomic
def cases_note_invitation_accepted(*, invitation, demand_ids):
    """An organisation accepted a 对接会 invitation: its cases with the event's demands move 推荐 → 意向
    (or get a note at later stages). Returns the cases touched."""
    org_id = invitation.organization_id
    note = f"「{invitation.organization.name}」已接受对接会「{invitation.event.name}」的邀请。"
    touched = []
    cases = Case.objects.filter(demand_id__in=demand_ids).filter(
        models.Q(supply_org_id=org_id) | models.Q(demand__organization_id=org_id)
    )
    for case in cases.exclude(stage__in=Case.CLOSED_STAGES):
        case, _moved = _advance_to_intent(case, note, actor=invitation.responded_by)
        touched.append(case)
    return touched


# --- notifications ----------------------------------------------------------------------------


def _case_url(case):
    return reverse("followups:case_detail", args=[case.pk])


def _notify_owner(case, actor, title):
    if case.owner_id is None or case.owner_id == getattr(actor, "pk", None):
        return
    notify(recipients=[case.owner], kind=Notification.Kind.FOLLOWUP, title=title, url=_case_url(case))

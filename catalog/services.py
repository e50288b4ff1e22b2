"""Writes to 需求清单/需求 and 供给菜单/供给: permission-checked, atomic, and queued for re-matching.

Every function takes keyword arguments only. `data` is a dict of cleaned field values (what a
form's or serializer's `cleaned_data` holds); unknown keys are ignored. Errors reach the user:
PermissionDenied / ValidationError carry Chinese messages (ValidationError keyed by field).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import Organization
from audit.services import audit_record, diff_fields, snapshot
from catalog import search
from catalog.models import Demand, DemandList, Region, Supply, SupplyMenu
from catalog.regions import region_resolve
from catalog.selectors import can_close, can_delete, can_edit
from portal.outbox import enqueue

DESCRIPTION_MAX = 5000

DEMAND_LIST_FIELDS = ("name", "year", "description")
SUPPLY_MENU_FIELDS = ("name", "year", "description")
DEMAND_FIELDS = (
    "title",
    "description",
    "chain",
    "demand_type",
    "budget_wan",
    "deadline",
    "contact_name",
    "contact_phone",
    "is_open_bidding",
)
SUPPLY_FIELDS = (
    "title",
    "description",
    "chain",
    "supply_type",
    "price_wan",
    "maturity",
    "contact_name",
    "contact_phone",
)
# Changing these after bids arrived is a material change for the bidders.
MATERIAL_DEMAND_FIELDS = ("description", "budget_wan", "deadline")
OPEN_DEMAND_STATUSES = (Demand.Status.COLLECTING, Demand.Status.MATCHING)
# What the audit trail records for demands and supplies (before/after on every change).
AUDIT_DEMAND_FIELDS = DEMAND_FIELDS + ("region", "status")
AUDIT_SUPPLY_FIELDS = SUPPLY_FIELDS + ("region", "status")


# --- helpers ---------------------------------------------------------------------------------


class _OrgScope:
    """Stands in for a not-yet-created object when asking the selectors about rights."""

    def __init__(self, organization):
        self.organization_id = organization.pk


def _require(check, user, obj, message):
    if not check(user, obj):
        raise PermissionDenied(message)


def _require_verified(organization):
    if not Organization.objects.filter(pk=organization.pk, is_verified=True).exists():
        raise ValidationError("组织尚未认证，只能保存草稿")


def _audit(user, obj, action, fields, before=None):
    """Append who changed what: `before` is a snapshot taken before the change (None = created)."""
    if before is None:
        changes = {name: {"before": None, "after": value} for name, value in snapshot(obj, fields).items()}
    else:
        changes = diff_fields(before, obj, fields)
        if not changes and action == "update":
            return
    audit_record(actor=user, obj=obj, action=action, changes=changes)


def _apply(instance, data, fields):
    for field in fields:
        if field in data:
            setattr(instance, field, data[field])


def _check_description(value, label):
    value = value or ""
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": f"{label}不能超过 {DESCRIPTION_MAX} 个字符（当前 {len(value)} 个），请精简后再提交。"}
        )


def _resolve_region(value, default):
    """`region` may be a Region, a 所在地区 text such as "济宁市任城区", or empty (use the default)."""
    if isinstance(value, Region):
        return value
    if value:
        try:
            return region_resolve(value)
        except ValidationError as exc:
            raise ValidationError({"region": exc.messages}) from None
    return default


def _full_clean(instance, unique_message):
    """Model validation (required fields, choices, numbers) with our own duplicate message."""
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    try:
        instance.validate_constraints()
    except ValidationError:
        raise ValidationError(unique_message) from None


def _save(instance, unique_message):
    # The constraint check above can race with another request: the database has the last word.
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError(unique_message) from None


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


def _check_deadline(deadline, previous=None):
    if deadline and deadline != previous and deadline < timezone.localdate():
        raise ValidationError({"deadline": "截止日期不能早于今天。"})


# --- 需求清单 ----------------------------------------------------------------------------------


def _list_name_taken(organization, name):
    return f"本单位已有名为「{name}」的需求清单，请换一个清单名称。"


@transaction.atomic
def demand_list_create(*, organization, user, data):
    _require(can_edit, user, _OrgScope(organization), "您不是该单位的成员，不能为其创建需求清单。")
    demand_list = DemandList(
        organization=organization, created_by=user if user.is_authenticated else None, status=DemandList.Status.DRAFT
    )
    _apply(demand_list, data, DEMAND_LIST_FIELDS)
    _check_description(demand_list.description, "清单说明")
    message = _list_name_taken(organization, demand_list.name)
    _full_clean(demand_list, message)
    _save(demand_list, message)
    return demand_list


@transaction.atomic
def demand_list_update(*, demand_list, user, data):
    _require(can_edit, user, demand_list, "您没有编辑该需求清单的权限。")
    demand_list = _locked(DemandList, demand_list)
    _apply(demand_list, data, DEMAND_LIST_FIELDS)
    _check_description(demand_list.description, "清单说明")
    message = _list_name_taken(demand_list.organization, demand_list.name)
    _full_clean(demand_list, message)
    _save(demand_list, message)
    return demand_list


@transaction.atomic
def demand_list_publish(*, demand_list, user):
    """Draft → 征集中. Only a verified organisation may publish."""
    _require(can_edit, user, demand_list, "您没有发布该需求清单的权限。")
    demand_list = _locked(DemandList, demand_list)
    if demand_list.status == DemandList.Status.CLOSED:
        raise ValidationError("该需求清单已关闭，不能再发布。")
    _require_verified(demand_list.organization)
    if demand_list.status != DemandList.Status.COLLECTING:
        demand_list.status = DemandList.Status.COLLECTING
        demand_list.save(update_fields=["status", "updated_at"])
        for demand_id in demand_list.demands.values_list("pk", flat=True):
            enqueue("matching.tasks.refresh_demand", demand_id)
            enqueue("notifications.tasks.subscriptions_notify_for_demand", demand_id)  # [marketplace] subscriptions
    return demand_list


@transaction.atomic
def demand_list_close(*, demand_list, user):
    """Close the list and every demand in it that is still open."""
    _require(can_close, user, demand_list, "您没有关闭该需求清单的权限。")
    demand_list = _locked(DemandList, demand_list)
    demand_list.status = DemandList.Status.CLOSED
    demand_list.save(update_fields=["status", "updated_at"])
    open_ids = list(demand_list.demands.filter(status__in=OPEN_DEMAND_STATUSES).values_list("pk", flat=True))
    Demand.objects.filter(pk__in=open_ids).update(status=Demand.Status.CLOSED, updated_at=timezone.now())
    for demand_id in open_ids:
        enqueue("matching.tasks.refresh_demand", demand_id)
    return demand_list


# --- 需求 -------------------------------------------------------------------------------------


def _demand_title_taken(title):
    return {"title": f"本清单中已有名为「{title}」的需求，请修改需求名称。"}


def _demand_validate_and_save(demand):
    _check_description(demand.description, "需求描述")
    search.index_object(demand)
    message = _demand_title_taken(demand.title)
    _full_clean(demand, message)
    _save(demand, message)
    enqueue("matching.tasks.refresh_demand", demand.pk)
    return demand


@transaction.atomic
def demand_create(*, demand_list, user, data):
    _require(can_edit, user, demand_list, "您没有在该需求清单中添加需求的权限。")
    demand_list = _locked(DemandList, demand_list)
    if demand_list.status == DemandList.Status.CLOSED:
        raise ValidationError("该需求清单已关闭，不能再添加需求。")
    demand = Demand(
        demand_list=demand_list,
        organization=demand_list.organization,
        created_by=user if user.is_authenticated else None,
    )
    _apply(demand, data, DEMAND_FIELDS)
    _check_deadline(demand.deadline)
    demand.region = _resolve_region(data.get("region"), demand_list.organization.region)
    _demand_validate_and_save(demand)
    _audit(user, demand, "create", AUDIT_DEMAND_FIELDS)
    enqueue("notifications.tasks.subscriptions_notify_for_demand", demand.pk)  # [marketplace] subscriptions
    return demand


@transaction.atomic
def demand_update(*, demand, user, data):
    _require(can_edit, user, demand, "您没有编辑该需求的权限。")
    demand = _locked(Demand, demand)
    audit_before = snapshot(demand, AUDIT_DEMAND_FIELDS)
    before = {field: getattr(demand, field) for field in MATERIAL_DEMAND_FIELDS}
    region_default = demand.region
    _apply(demand, data, DEMAND_FIELDS)
    _check_deadline(demand.deadline, before["deadline"])
    demand.region = _resolve_region(data.get("region"), region_default)
    _demand_validate_and_save(demand)
    _audit(user, demand, "update", AUDIT_DEMAND_FIELDS, audit_before)
    if any(_differs(before[field], getattr(demand, field)) for field in MATERIAL_DEMAND_FIELDS):
        # Bids submitted on the old terms become 待确认 (bidding owns that rule).
        enqueue("bidding.tasks.flag_material_change", demand.pk)
    return demand


def _differs(old, new):
    # Budgets arrive as Decimal, int or str (API/forms); compare them as numbers.
    if old is None or new is None:
        return old is not new
    if isinstance(old, (Decimal, int, float)) or isinstance(new, (Decimal, int, float)):
        try:
            return Decimal(str(old)) != Decimal(str(new))
        except InvalidOperation:
            return True
    return old != new


@transaction.atomic
def demand_close(*, demand, user):
    _require(can_close, user, demand, "您没有关闭该需求的权限。")
    demand = _locked(Demand, demand)
    if demand.status != Demand.Status.CLOSED:
        audit_before = snapshot(demand, ("status",))
        demand.status = Demand.Status.CLOSED
        demand.save(update_fields=["status", "updated_at"])
        _audit(user, demand, "close", ("status",), audit_before)
    enqueue("matching.tasks.refresh_demand", demand.pk)
    return demand


@transaction.atomic
def demand_delete(*, demand, user):
    _require(can_delete, user, demand, "只有本单位管理员或平台管理员可以删除需求。")
    demand = _locked(Demand, demand)
    demand_id = demand.pk
    audit_before = snapshot(demand, AUDIT_DEMAND_FIELDS)
    try:
        with transaction.atomic():
            demand.delete()
    except ProtectedError:
        raise ValidationError("该需求已有关联的意向书或对接项目，不能删除，请改为关闭。") from None
    demand.pk = demand_id  # delete() cleared it; the trail keeps the id
    audit_record(
        actor=user,
        obj=demand,
        action="delete",
        changes={name: {"before": value, "after": None} for name, value in audit_before.items()},
    )
    # Matching drops the stale matches of a demand that no longer exists.
    enqueue("matching.tasks.refresh_demand", demand_id)
    return demand_id


# --- 供给菜单 ----------------------------------------------------------------------------------


def _menu_name_taken(name):
    return f"本单位已有名为「{name}」的供给菜单，请换一个菜单名称。"


@transaction.atomic
def supply_menu_create(*, organization, user, data):
    _require(can_edit, user, _OrgScope(organization), "您不是该单位的成员，不能为其创建供给菜单。")
    menu = SupplyMenu(
        organization=organization, created_by=user if user.is_authenticated else None, status=SupplyMenu.Status.DRAFT
    )
    _apply(menu, data, SUPPLY_MENU_FIELDS)
    _check_description(menu.description, "菜单说明")
    message = _menu_name_taken(menu.name)
    _full_clean(menu, message)
    _save(menu, message)
    return menu


@transaction.atomic
def supply_menu_update(*, menu, user, data):
    _require(can_edit, user, menu, "您没有编辑该供给菜单的权限。")
    menu = _locked(SupplyMenu, menu)
    _apply(menu, data, SUPPLY_MENU_FIELDS)
    _check_description(menu.description, "菜单说明")
    message = _menu_name_taken(menu.name)
    _full_clean(menu, message)
    _save(menu, message)
    return menu


@transaction.atomic
def supply_menu_publish(*, menu, user):
    _require(can_edit, user, menu, "您没有发布该供给菜单的权限。")
    menu = _locked(SupplyMenu, menu)
    if menu.status == SupplyMenu.Status.CLOSED:
        raise ValidationError("该供给菜单已关闭，不能再发布。")
    _require_verified(menu.organization)
    if menu.status != SupplyMenu.Status.PUBLISHED:
        menu.status = SupplyMenu.Status.PUBLISHED
        menu.save(update_fields=["status", "updated_at"])
        for supply_id in menu.supplies.values_list("pk", flat=True):
            enqueue("matching.tasks.refresh_supply", supply_id)
    return menu


@transaction.atomic
def supply_menu_close(*, menu, user):
    _require(can_close, user, menu, "您没有关闭该供给菜单的权限。")
    menu = _locked(SupplyMenu, menu)
    menu.status = SupplyMenu.Status.CLOSED
    menu.save(update_fields=["status", "updated_at"])
    open_ids = list(menu.supplies.filter(status=Supply.Status.ACTIVE).values_list("pk", flat=True))
    Supply.objects.filter(pk__in=open_ids).update(status=Supply.Status.CLOSED, updated_at=timezone.now())
    for supply_id in open_ids:
        enqueue("matching.tasks.refresh_supply", supply_id)
    return menu


# --- 供给 -------------------------------------------------------------------------------------


def _supply_title_taken(title):
    return {"title": f"本菜单中已有名为「{title}」的供给，请修改供给名称。"}


def _supply_validate_and_save(supply):
    _check_description(supply.description, "供给描述")
    search.index_object(supply)
    message = _supply_title_taken(supply.title)
    _full_clean(supply, message)
    _save(supply, message)
    enqueue("matching.tasks.refresh_supply", supply.pk)
    return supply


@transaction.atomic
def supply_create(*, menu, user, data):
    _require(can_edit, user, menu, "您没有在该供给菜单中添加供给的权限。")
    menu = _locked(SupplyMenu, menu)
    if menu.status == SupplyMenu.Status.CLOSED:
        raise ValidationError("该供给菜单已关闭，不能再添加供给。")
    supply = Supply(menu=menu, organization=menu.organization, created_by=user if user.is_authenticated else None)
    _apply(supply, data, SUPPLY_FIELDS)
    supply.region = _resolve_region(data.get("region"), menu.organization.region)
    _supply_validate_and_save(supply)
    _audit(user, supply, "create", AUDIT_SUPPLY_FIELDS)
    return supply


@transaction.atomic
def supply_update(*, supply, user, data):
    _require(can_edit, user, supply, "您没有编辑该供给的权限。")
    supply = _locked(Supply, supply)
    audit_before = snapshot(supply, AUDIT_SUPPLY_FIELDS)
    region_default = supply.region
    _apply(supply, data, SUPPLY_FIELDS)
    supply.region = _resolve_region(data.get("region"), region_default)
    _supply_validate_and_save(supply)
    _audit(user, supply, "update", AUDIT_SUPPLY_FIELDS, audit_before)
    return supply


@transaction.atomic
def supply_close(*, supply, user):
    _require(can_close, user, supply, "您没有下架该供给的权限。")
    supply = _locked(Supply, supply)
    if supply.status != Supply.Status.CLOSED:
        audit_before = snapshot(supply, ("status",))
        supply.status = Supply.Status.CLOSED
        supply.save(update_fields=["status", "updated_at"])
        _audit(user, supply, "close", ("status",), audit_before)
    enqueue("matching.tasks.refresh_supply", supply.pk)
    return supply


@transaction.atomic
def supply_delete(*, supply, user):
    _require(can_delete, user, supply, "只有本单位管理员或平台管理员可以删除供给。")
    supply = _locked(Supply, supply)
    supply_id = supply.pk
    audit_before = snapshot(supply, AUDIT_SUPPLY_FIELDS)
    try:
        with transaction.atomic():
            supply.delete()
    except ProtectedError:
        raise ValidationError("该供给已有关联的对接项目，不能删除，请改为下架。") from None
    supply.pk = supply_id
    audit_record(
        actor=user,
        obj=supply,
        action="delete",
        changes={name: {"before": value, "after": None} for name, value in audit_before.items()},
    )
    enqueue("matching.tasks.refresh_supply", supply_id)
    return supply_id

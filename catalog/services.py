"""Writes to 需求清单/需求 and 供给菜单/供给: permission-checked, atomic, audited and queued for re-matching.

`items_upsert` is the only code that creates or changes demands and supplies: a form or API edit is
one row, an Excel import is many (bulk writes inside). The rules live there once: who may write,
closed lists, deadlines, sealed-bid rules, length limits, the audit trail, bid flags, subscription
notices and one re-matching task per batch. The named wrappers (demand_create, supply_update …)
keep the call sites short. Every function takes keyword arguments only; errors carry Chinese
messages (ValidationError keyed by field for one row, "第N行「列名」: …" lines for an import).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import is_platform_admin
from audit.models import AuditEntry
from audit.services import audit_entry, audit_record, diff_fields, snapshot
from catalog import search
from catalog.kinds import DEMAND, KINDS, SUPPLY, kind_of
from catalog.models import Region, SupplyType
from catalog.regions import parse_region, region_resolve
from catalog.selectors import can_close, can_delete, can_edit
from catalog.validators import description_error, normalize_phone, phone_error
from portal.outbox import enqueue

# Supplies that also stand in a resource directory (人才/成果/资本), kept by reports.tasks.
DIRECTORY_SUPPLY_TYPES = (SupplyType.TALENT, SupplyType.TECHNOLOGY, SupplyType.CAPITAL)

DESCRIPTION_MAX = 5000
BATCH_SIZE = 500
CONTAINER_FIELDS = ("name", "year", "description")
# Kept for callers that name the field lists.
DEMAND_FIELDS = DEMAND.fields
SUPPLY_FIELDS = SUPPLY.fields
OPEN_DEMAND_STATUSES = DEMAND.item_open_statuses

SEALED_DEADLINE = "征集期间截止日期只能延后，不能提前、取消或新增。"
SEALED_BIDDING_MODE = "需求发布后报价方式（公开报价/密封报价）不能再更改。"
PUBLISHED_DEMAND_DELETE = "已发布的需求不能删除，请改为关闭。"


# --- rows of items_upsert -------------------------------------------------------------------------


@dataclass(eq=False)
class NewOrganization:
    """An organisation an import names that does not exist yet (created unverified)."""

    name: str
    kind: str
    region: object  # a Region or a 所在地区 text


@dataclass(eq=False)
class NewContainer:
    """A 需求清单/供给菜单 an import names that does not exist yet."""

    organization: object  # an Organization or a NewOrganization
    name: str
    year: int
    status: str


@dataclass
class ItemRow:
    container: object  # the DemandList/SupplyMenu (or a NewContainer) the item belongs to
    data: dict  # field values (kind.fields, "region", optionally precomputed "search_tokens")
    item: object = None  # the Demand/Supply to change; None creates one
    number: int | None = None  # spreadsheet row number: errors become "第N行「列名」: …"


@dataclass
class UpsertResult:
    items: list = field(default_factory=list)  # in row order (unsaved in a dry run when new)
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0
    organizations_created: list = field(default_factory=list)
    containers_created: list = field(default_factory=list)


class UpsertCancelled(Exception):
    pass


# --- helpers ---------------------------------------------------------------------------------


class _OrgScope:
    """Stands in for a not-yet-created object when asking the selectors about rights."""

    def __init__(self, organization):
        self.organization_id = organization.pk


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


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
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def _check_description(value, label):
    value = value or ""
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": f"{label}不能超过 {DESCRIPTION_MAX} 个字符（当前 {len(value)} 个），请精简后再提交。"}
        )


def _full_clean(instance, unique_message, exclude=None):
    """Model validation (required fields, choices, lengths) with our own duplicate message."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    if unique_message is not None:
        try:
            instance.validate_constraints()
        except ValidationError:
            raise ValidationError(unique_message) from None


def _save(instance, unique_message):
    # The constraint check can race with another request: the database has the last word.
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError(unique_message) from None


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


def _refresh(kind, ids):
    """One re-matching task per batch: the per-id task for one item, matching.tasks.refresh_items for more.

    (refresh_demand also tells subscribers after scoring; refresh_items does not yet.)
    """
    ids = sorted(set(ids))
    if len(ids) == 1:
        enqueue("matching.tasks.refresh_demand" if kind is DEMAND else "matching.tasks.refresh_supply", ids[0])
    elif ids:
        enqueue("matching.tasks.refresh_items", ids if kind is DEMAND else [], ids if kind is SUPPLY else [])


def _is_published(container, organization):
    return container.status != kind_of(container).list_model.Status.DRAFT and organization.is_verified


def _may_write_for(actor, organization):
    """Members of the organisation, platform admins and the command line (actor None); never liaison staff."""
    if actor is None:
        return True
    if isinstance(organization, NewOrganization):
        return is_platform_admin(actor)
    return can_edit(actor, _OrgScope(organization))


# --- 需求 / 供给: the one write path -----------------------------------------------------------


class _Regions:
    """所在地区 texts → Region, once per text; a dry run never creates a region."""

    def __init__(self, dry_run):
        self.dry_run = dry_run
        self.cache = {}

    def get(self, value, default):
        if isinstance(value, Region):
            return value
        if not value:
            return default
        if value not in self.cache:
            province, city, district = parse_region(value)  # ValidationError with a Chinese message
            found = Region.objects.filter(full_name=province + city + district).first()
            self.cache[value] = found if found or self.dry_run else region_resolve(value)
        return self.cache[value]


class _Errors:
    """Collects an import's row errors; a single edit raises at once (field-keyed)."""

    def __init__(self, kind):
        self.kind = kind
        self.lines = []

    def add(self, row, name, message, *, permission=False):
        if row.number is None:
            if permission:
                raise PermissionDenied(message)
            raise ValidationError({name: message} if name else message)
        self.lines.append(f"第{row.number}行「{self.kind.column(name)}」: {message}")

    def add_validation(self, row, exc):
        if row.number is None:
            raise exc
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                for error in errors:
                    self.lines.extend(
                        f"第{row.number}行「{self.kind.column(name)}」: {message}" for message in error.messages
                    )
        else:
            for message in exc.messages:
                self.lines.append(f"第{row.number}行「{self.kind.column('title')}」: {message}")


def _title_taken(kind, title):
    return {"title": f"本{kind.list_short}中已有名为「{title}」的{kind.item_word}，请修改{kind.item_word}名称。"}


def _check_sealed_rules(kind, row, item, old, is_locked, errors):
    """Deadline and bidding-mode rules of a demand; `is_locked` once published (or once bids exist).

    Locking on publication rather than on the first bid tells nobody whether bids exist.
    """
    if not kind.has_bids:
        return
    today = timezone.localdate()
    previous = old.get("deadline") if old else None
    if item.deadline and item.deadline != previous and item.deadline < today:
        errors.add(row, "deadline", "截止日期不能早于今天。")
    if old is None or not is_locked:
        return
    if item.deadline != previous and (previous is None or item.deadline is None or item.deadline < previous):
        errors.add(row, "deadline", SEALED_DEADLINE)
    if bool(item.is_open_bidding) != bool(old["is_open_bidding"]):
        errors.add(row, "is_open_bidding", SEALED_BIDDING_MODE)


def _check_contents(kind, row, item, old, errors):
    """联系电话 and the minimum 描述 length (catalog.validators), on a new item or a changed value.

    Only a changed value is judged, so rows stored before the rule stay editable field by field.
    An empty value is left to the model's "required" check.
    """
    if item.contact_phone and (old is None or item.contact_phone != old["contact_phone"]):
        item.contact_phone = normalize_phone(item.contact_phone)
        message = phone_error(item.contact_phone)
        if message:
            errors.add(row, "contact_phone", message)
    if item.description and (old is None or item.description != old["description"]):
        message = description_error(item.description, kind.item_word)
        if message:
            errors.add(row, "description", message)


@transaction.atomic
def items_upsert(*, kind, actor, rows, dry_run=False, should_cancel=None):
    """Create or change demands/supplies: every row checked, then all written, or nothing.

    `actor` None is the command line (full rights). A dry run checks every rule and counts what
    would change without writing anything. `should_cancel()` is polled between batches; a True
    answer raises UpsertCancelled (the transaction rolls back).
    """
    kind = KINDS[kind] if isinstance(kind, str) else kind
    model, user = kind.model, _user(actor)
    errors, regions, result = _Errors(kind), _Regions(dry_run), UpsertResult()
    single = len(rows) == 1 and rows[0].number is None

    # Lock what exists (containers, then items) and learn which demands are bid on, in three queries.
    container_ids = {r.container.pk for r in rows if not isinstance(r.container, NewContainer)}
    containers = kind.list_model.objects.select_for_update(of=("self",)).select_related("organization")
    containers = {c.pk: c for c in containers.filter(pk__in=container_ids)}
    item_ids = [r.item.pk for r in rows if r.item is not None]
    locked = model.objects.select_for_update(of=("self",)).select_related("chain", "region")
    items = {i.pk: i for i in locked.filter(pk__in=item_ids)}
    bid_on = set()
    if kind.has_bids and item_ids:
        bid_on = set(model.objects.filter(pk__in=item_ids, bids__isnull=False).values_list("pk", flat=True))

    planned = []  # (row, item, snapshot before the change or None, region still to be created?)
    for row in rows:
        container = containers.get(row.container.pk) if not isinstance(row.container, NewContainer) else row.container
        if container is None:
            errors.add(row, None, f"该{kind.list_word}已不存在。")
            continue
        organization = container.organization
        if not _may_write_for(actor, organization):
            if isinstance(organization, NewOrganization):
                message = f"系统中没有名为「{organization.name}」的单位；只有平台管理员可以在导入时新建单位。"
            else:
                message = (
                    f"您不能为「{organization.name}」新增或修改{kind.item_word}（只有该单位成员或平台管理员可以）。"
                )
            errors.add(row, "organization", message, permission=True)
            continue
        if not isinstance(container, NewContainer) and container.status == kind.list_model.Status.CLOSED:
            verb = "修改其中的" if row.item is not None else "添加"
            errors.add(row, "list_name", f"该{kind.list_word}已关闭，不能再{verb}{kind.item_word}。")
            continue
        if row.item is not None:
            item = items.get(row.item.pk)
            if item is None or getattr(item, f"{kind.list_fk}_id") != container.pk:
                errors.add(row, None, f"该{kind.item_word}已不存在。")
                continue
            before = snapshot(item, kind.audit_fields)
            old = {name: getattr(item, name) for name in kind.fields}
            default_region = item.region if item.region_id else None
        else:
            item = model(created_by=user)
            if not isinstance(container, NewContainer):
                setattr(item, kind.list_fk, container)
                item.organization = organization
            before, old = None, None
            default_region = None if isinstance(organization, NewOrganization) else organization.region
        _apply(item, row.data, kind.fields)
        try:
            region = regions.get(row.data.get("region"), default_region)
        except ValidationError as exc:
            errors.add(row, "region", "；".join(exc.messages))
            continue
        if region is not None:
            item.region = region
        is_locked = item.pk in bid_on or (
            not isinstance(container, NewContainer) and _is_published(container, organization)
        )
        count = len(errors.lines)
        _check_sealed_rules(kind, row, item, old, is_locked, errors)
        _check_contents(kind, row, item, old, errors)
        if item.chain_id is None:
            errors.add(row, "chain", "请选择产业链。")
        try:
            _check_description(item.description, f"{kind.item_word}描述")
            excluded = [kind.list_fk, "organization", "region", "chain", "created_by"]
            unique = _title_taken(kind, item.title) if single and not isinstance(container, NewContainer) else None
            _full_clean(item, unique, exclude=excluded)
        except ValidationError as exc:
            errors.add_validation(row, exc)
        if len(errors.lines) > count:
            continue
        if not dry_run and (old is None or item.title != old["title"] or item.description != old["description"]):
            item.search_tokens = row.data.get("search_tokens") or search.tokens_field(item.title, item.description)
        planned.append((row, item, before, region is None))
    if errors.lines:
        raise ValidationError(errors.lines)

    to_create = [item for _, item, before, _ in planned if before is None]
    to_update = [
        item
        for _, item, before, new_region in planned
        if before is not None and (new_region or diff_fields(before, item, kind.audit_fields))
    ]
    updated_ids = {item.pk for item in to_update}
    result.items = [item for _, item, _, _ in planned]
    result.unchanged = len(planned) - len(to_create) - len(to_update)
    new_orgs = _unique(
        r.container.organization
        for r, _, _, _ in planned
        if isinstance(r.container, NewContainer) and isinstance(r.container.organization, NewOrganization)
    )
    new_containers = _unique(r.container for r, _, _, _ in planned if isinstance(r.container, NewContainer))
    result.organizations_created = [o.name for o in new_orgs]
    result.containers_created = new_containers
    if dry_run:
        result.created, result.updated = to_create, to_update
        return result

    # Writes: organisations, lists/menus, items, audit, then the queued follow-ups.
    saved_orgs = {}
    for new in new_orgs:
        saved_orgs[id(new)] = Organization(
            name=new.name, kind=new.kind, region=regions.get(new.region, None), is_verified=False
        )
    Organization.objects.bulk_create(list(saved_orgs.values()))
    saved_containers = {}
    for new in new_containers:
        org = saved_orgs.get(id(new.organization), new.organization)
        saved_containers[id(new)] = kind.list_model(
            name=new.name, organization=org, year=new.year, status=new.status, created_by=user
        )
    kind.list_model.objects.bulk_create(list(saved_containers.values()))
    for row, item, _, _ in planned:
        if isinstance(row.container, NewContainer):
            container = saved_containers[id(row.container)]
            setattr(item, kind.list_fk, container)
            item.organization = container.organization
            if item.region_id is None:
                item.region = container.organization.region
    now = timezone.now()
    update_fields = [*kind.fields, "region", "search_tokens", "updated_at"]
    try:
        with transaction.atomic():
            for start in range(0, max(len(to_create), len(to_update)), BATCH_SIZE):
                if should_cancel and should_cancel():
                    raise UpsertCancelled
                model.objects.bulk_create(to_create[start : start + BATCH_SIZE])
                batch = to_update[start : start + BATCH_SIZE]
                for item in batch:
                    item.updated_at = now
                model.objects.bulk_update(batch, update_fields)
    except IntegrityError:
        if not single:
            raise
        raise ValidationError(_title_taken(kind, planned[0][1].title)) from None

    entries = [
        audit_entry(
            actor=user,
            obj=item,
            action="create" if before is None else "update",
            changes=(
                {name: {"before": None, "after": value} for name, value in snapshot(item, kind.audit_fields).items()}
                if before is None
                else diff_fields(before, item, kind.audit_fields)
            ),
        )
        for _, item, before, _ in planned
        if before is None or item.pk in updated_ids
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)

    result.created = to_create
    result.updated = to_update
    _refresh(kind, [i.pk for i in to_create + to_update])
    if not kind.has_bids:
        # 人才团队/技术成果/资本 supplies have a record in the resource directories (reports owns them).
        linked = [i.pk for i in to_create if i.supply_type in DIRECTORY_SUPPLY_TYPES]
        if linked:
            enqueue("reports.tasks.supply_records_create", linked)
    if kind.has_bids:
        # Subscribers hear about new published demands. A single new draft is queued too (the task
        # skips drafts; publishing queues it again); an import's drafts are not, to keep big files light.
        for item in to_create:
            if single or _is_published(item.demand_list, item.organization):
                enqueue("notifications.tasks.subscriptions_notify_for_demand", item.pk)
        for _, item, before, _ in planned:
            if item.pk in bid_on and item.pk in updated_ids:
                changed = diff_fields(before, item, kind.material_fields)
                if changed:  # bids on the old terms become 待确认, bidders are told (bidding owns that)
                    enqueue("bidding.tasks.flag_material_change", item.pk)
    return result


def _unique(objects):
    seen, out = set(), []
    for obj in objects:
        if id(obj) not in seen:
            seen.add(id(obj))
            out.append(obj)
    return out


def _item_create(kind, container, user, data):
    return items_upsert(kind=kind, actor=user, rows=[ItemRow(container=container, data=data)]).items[0]


def _item_update(kind, item, user, data):
    if not can_edit(user, item):
        raise PermissionDenied(f"您没有编辑该{kind.item_word}的权限。")
    container = getattr(item, kind.list_fk)
    return items_upsert(kind=kind, actor=user, rows=[ItemRow(container=container, data=data, item=item)]).items[0]


def demand_create(*, demand_list, user, data):
    if not can_edit(user, demand_list):
        raise PermissionDenied("您没有在该需求清单中添加需求的权限。")
    return _item_create(DEMAND, demand_list, user, data)


def demand_update(*, demand, user, data):
    return _item_update(DEMAND, demand, user, data)


def supply_create(*, menu, user, data):
    if not can_edit(user, menu):
        raise PermissionDenied("您没有在该供给菜单中添加供给的权限。")
    return _item_create(SUPPLY, menu, user, data)


def supply_update(*, supply, user, data):
    return _item_update(SUPPLY, supply, user, data)


# --- close and delete items ------------------------------------------------------------------


@transaction.atomic
def item_close(*, item, user):
    kind = kind_of(item)
    _require(can_close, user, item, f"您没有{kind.close_verb}该{kind.item_word}的权限。")
    item = _locked(kind.model, item)
    if item.status != kind.item_closed_status:
        audit_before = snapshot(item, ("status",))
        item.status = kind.item_closed_status
        item.save(update_fields=["status", "updated_at"])
        _audit(user, item, "close", ("status",), audit_before)
    _refresh(kind, [item.pk])
    return item


@transaction.atomic
def item_delete(*, item, user):
    kind = kind_of(item)
    _require(can_delete, user, item, f"只有本单位管理员或平台管理员可以删除{kind.item_word}。")
    item = _locked(kind.model, item)
    if kind.has_bids and item.is_published:
        # One message whatever the bids: the refusal must not tell the owner that bids exist.
        raise ValidationError(PUBLISHED_DEMAND_DELETE)
    item_id = item.pk
    audit_before = snapshot(item, kind.audit_fields)
    try:
        with transaction.atomic():
            item.delete()
    except ProtectedError:
        raise ValidationError(f"该{kind.item_word}已有关联的对接项目，不能删除，请改为{kind.close_verb}。") from None
    item.pk = item_id  # delete() cleared it; the trail keeps the id
    audit_record(
        actor=user,
        obj=item,
        action="delete",
        changes={name: {"before": value, "after": None} for name, value in audit_before.items()},
    )
    # Matching drops the stale matches of an item that no longer exists.
    _refresh(kind, [item_id])
    return item_id


def demand_close(*, demand, user):
    return item_close(item=demand, user=user)


def demand_delete(*, demand, user):
    return item_delete(item=demand, user=user)


def supply_close(*, supply, user):
    return item_close(item=supply, user=user)


def supply_delete(*, supply, user):
    return item_delete(item=supply, user=user)


# --- 需求清单 / 供给菜单 -----------------------------------------------------------------------


def _name_taken(kind, name):
    return f"本单位已有名为「{name}」的{kind.list_word}，请换一个{kind.list_short}名称。"


def _container_save(kind, container, data):
    _apply(container, data, CONTAINER_FIELDS)
    _check_description(container.description, f"{kind.list_short}说明")
    message = _name_taken(kind, container.name)
    _full_clean(container, message)
    _save(container, message)
    return container


@transaction.atomic
def container_create(*, kind, organization, user, data):
    _require(can_edit, user, _OrgScope(organization), f"您不是该单位的成员，不能为其创建{kind.list_word}。")
    container = kind.list_model(organization=organization, created_by=_user(user), status=kind.list_model.Status.DRAFT)
    return _container_save(kind, container, data)


@transaction.atomic
def container_update(*, container, user, data):
    kind = kind_of(container)
    _require(can_edit, user, container, f"您没有编辑该{kind.list_word}的权限。")
    return _container_save(kind, _locked(kind.list_model, container), data)


@transaction.atomic
def container_publish(*, container, user):
    """Draft → 征集中/已发布. Only a verified organisation may publish."""
    kind = kind_of(container)
    _require(can_edit, user, container, f"您没有发布该{kind.list_word}的权限。")
    container = _locked(kind.list_model, container)
    if container.status == kind.list_model.Status.CLOSED:
        raise ValidationError(f"该{kind.list_word}已关闭，不能再发布。")
    _require_verified(container.organization)
    if container.status != kind.list_published_status:
        container.status = kind.list_published_status
        container.save(update_fields=["status", "updated_at"])
        ids = list(getattr(container, kind.items_related).values_list("pk", flat=True))
        _refresh(kind, ids)
        if kind.has_bids:
            for demand_id in ids:
                enqueue("notifications.tasks.subscriptions_notify_for_demand", demand_id)
    return container


@transaction.atomic
def container_close(*, container, user):
    """Close the list/menu and every item in it that is still open (outcomes are kept)."""
    kind = kind_of(container)
    _require(can_close, user, container, f"您没有关闭该{kind.list_word}的权限。")
    container = _locked(kind.list_model, container)
    container.status = kind.list_model.Status.CLOSED
    container.save(update_fields=["status", "updated_at"])
    items = getattr(container, kind.items_related).filter(status__in=kind.item_open_statuses)
    open_ids = list(items.values_list("pk", flat=True))
    kind.model.objects.filter(pk__in=open_ids).update(status=kind.item_closed_status, updated_at=timezone.now())
    _refresh(kind, open_ids)
    return container


# 需求清单 names kept for the other apps' callers (供给菜单 callers use container_* directly).


def demand_list_create(*, organization, user, data):
    return container_create(kind=DEMAND, organization=organization, user=user, data=data)


def demand_list_update(*, demand_list, user, data):
    return container_update(container=demand_list, user=user, data=data)


def demand_list_publish(*, demand_list, user):
    return container_publish(container=demand_list, user=user)


def demand_list_close(*, demand_list, user):
    return container_close(container=demand_list, user=user)

"""A form edit and an Excel import change 需求/供给 through one service: the same rules, the same effects.

Each test runs both paths ("form": the edit page; "import": a one-row sheet naming the same item)
for both kinds, and checks what a person would notice: the saved row, the audit entry, bids
flagged 待确认, refusals with their Chinese message, nothing written, one re-matching task per id.
"""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from bidding.models import Bid
from bidding.tasks import flag_material_change
from catalog.importing import import_catalog_file
from catalog.kinds import DEMAND, SUPPLY
from portal.models import OutboxMessage
from tests import factories
from tests.bidding import factories as bid_factories
from tests.catalog.files import csv_bytes

pytestmark = pytest.mark.django_db

KINDS = {"demand": DEMAND, "supply": SUPPLY}
PATHS = ["form", "import"]


@pytest.fixture
def world(park_org, supplier_org, owner, supplier_user):
    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org))
    supply = factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=supplier_org))
    return {"demand": (demand, owner), "supply": (supply, supplier_user)}


def _values(kind, item, **changes):
    values = {
        "title": item.title,
        "description": item.description,
        "chain": item.chain,
        kind.type_field: getattr(item, kind.type_field),
        kind.amount_field: getattr(item, kind.amount_field),
        "contact_name": item.contact_name,
        "contact_phone": item.contact_phone,
    }
    if kind is DEMAND:
        values["deadline"] = item.deadline
    else:
        values["maturity"] = item.maturity
    values.update(changes)
    return values


def _form(client, kind, item, user, values):
    payload = {key: ("" if value is None else value) for key, value in values.items()}
    payload["chain"] = values["chain"].pk
    payload["region"] = ""
    if values.get("deadline"):
        payload["deadline"] = values["deadline"].isoformat()
    if user is not None:
        client.force_login(user)
    response = client.post(reverse(kind.url["edit"], args=[item.pk]), payload)
    return response.status_code == 302, response.status_code, response.content.decode()


def _import(kind, item, user, values):
    container = getattr(item, kind.list_fk)
    cells = {
        "list_name": container.name,
        "organization": container.organization.name,
        "region": item.region.full_name,
        **{key: value for key, value in values.items() if key in kind.columns},
    }
    cells["chain"] = values["chain"].name
    if cells.get("deadline"):
        cells["deadline"] = cells["deadline"].isoformat()
    row = {kind.columns[key]: ("" if value is None else str(value)) for key, value in cells.items()}
    report = import_catalog_file(io.BytesIO(csv_bytes([row], headers=kind.headers)), filename="one.csv", actor=user)
    return report.ok, None, "\n".join(report.errors)


def write(path, client, kind, item, user, **changes):
    """(saved?, status code of the page or None, what the person reads)."""
    values = _values(kind, item, **changes)
    if path == "form":
        return _form(client, kind, item, user, values)
    return _import(kind, item, user, values)


def refreshes(kind, item_id):
    """Re-matching tasks for one item: one per batch (the per-id task, or refresh_items for many)."""
    name = "demand" if kind is DEMAND else "supply"
    single = OutboxMessage.objects.filter(task_name=f"matching.tasks.refresh_{name}", args=[item_id]).count()
    position = 0 if kind is DEMAND else 1
    batches = OutboxMessage.objects.filter(task_name="matching.tasks.refresh_items")
    return single + sum(1 for message in batches if item_id in message.args[position])


def audit_entries(item):
    return AuditEntry.objects.filter(object_id=str(item.pk), content_type__model=item._meta.model_name)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind_name", KINDS)
def test_a_change_is_audited_and_refreshed_once(client, world, path, kind_name):
    kind = KINDS[kind_name]
    item, user = world[kind_name]
    saved, _, page = write(path, client, kind, item, user, **{kind.amount_field: "345"})
    assert saved, page
    item.refresh_from_db()
    assert str(getattr(item, kind.amount_field)) == "345.00"
    entry = audit_entries(item).get()
    assert entry.action == "update" and entry.actor == user
    assert entry.changes == {kind.amount_field: {"before": "200" if kind is DEMAND else "150", "after": "345"}}
    assert refreshes(kind, item.pk) == 1


@pytest.mark.parametrize("path", PATHS)
def test_a_material_change_flags_the_bids(client, world, path):
    demand, owner = world["demand"]
    bid = bid_factories.submit(demand, bid_factories.bidder())
    saved, _, page = write(path, client, DEMAND, demand, owner, description=demand.description + "（补充：含三年运维）")
    assert saved, page
    queued = OutboxMessage.objects.filter(task_name="bidding.tasks.flag_material_change", args=[demand.pk])
    assert queued.count() == 1
    flag_material_change(demand.pk)
    assert Bid.objects.get(pk=bid.pk).status == Bid.Status.PENDING_CONFIRMATION


@pytest.mark.parametrize("path", PATHS)
def test_an_unchanged_row_writes_nothing(client, world, path):
    demand, owner = world["demand"]
    saved, _, page = write(path, client, DEMAND, demand, owner)
    assert saved, page
    assert not audit_entries(demand).exists() and refreshes(DEMAND, demand.pk) == 0


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind_name", KINDS)
def test_a_closed_list_is_refused(client, world, path, kind_name):
    kind = KINDS[kind_name]
    item, user = world[kind_name]
    kind.list_model.objects.filter(pk=getattr(item, f"{kind.list_fk}_id")).update(status="closed")
    saved, _, page = write(path, client, kind, item, user, **{kind.amount_field: "999"})
    assert not saved
    assert f"该{kind.list_word}已关闭，不能再修改其中的{kind.item_word}。" in page
    item.refresh_from_db()
    assert str(getattr(item, kind.amount_field)) != "999.00" and not audit_entries(item).exists()


@pytest.mark.parametrize("path", PATHS)
def test_a_past_deadline_is_refused(client, world, path):
    demand, owner = world["demand"]
    # A draft list: the sealed rule (deadline only later) does not apply, the past-date rule does.
    DEMAND.list_model.objects.filter(pk=demand.demand_list_id).update(status="draft")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    saved, _, page = write(path, client, DEMAND, demand, owner, deadline=yesterday)
    assert not saved and "截止日期不能早于今天。" in page
    demand.refresh_from_db()
    assert demand.deadline != yesterday and not audit_entries(demand).exists()


def test_an_unchanged_past_deadline_on_an_untouched_row_is_fine(world):
    demand, owner = world["demand"]
    past = timezone.localdate() - datetime.timedelta(days=3)
    DEMAND.model.objects.filter(pk=demand.pk).update(deadline=past)
    demand.refresh_from_db()
    saved, _, page = write("import", None, DEMAND, demand, owner)
    assert saved, page


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind_name", KINDS)
@pytest.mark.parametrize("persona", ["liaison", "liaison_coast", "other_member"])
def test_liaison_staff_and_other_orgs_never_edit(client, world, request, path, kind_name, persona):
    kind = KINDS[kind_name]
    item, _ = world[kind_name]
    intruder = request.getfixturevalue(persona)
    before = OutboxMessage.objects.count()
    saved, status, page = write(path, client, kind, item, intruder, **{kind.amount_field: "1"})
    assert not saved
    if path == "form":
        assert status in (403, 404)
    elif persona == "other_member":
        assert "您只能导入本单位" in page
    else:
        assert f"第2行「{kind.column('organization')}」: 您不能为「{item.organization.name}」新增或修改" in page
    item.refresh_from_db()
    assert str(getattr(item, kind.amount_field)) != "1.00"
    assert not audit_entries(item).exists() and OutboxMessage.objects.count() == before


@pytest.mark.parametrize("kind_name", KINDS)
def test_platform_admin_may_change_through_the_import(world, platform_admin, kind_name):
    kind = KINDS[kind_name]
    item, _ = world[kind_name]
    saved, _, page = write("import", None, kind, item, platform_admin, **{kind.amount_field: "77"})
    assert saved, page
    assert audit_entries(item).get().actor == platform_admin


def test_one_refresh_task_for_a_whole_import(park_org, owner):
    demand_list = factories.DemandListFactory(organization=park_org)
    demands = [factories.DemandFactory(demand_list=demand_list) for _ in range(3)]
    rows = []
    for demand in demands:
        values = _values(DEMAND, demand, budget_wan="555")
        cells = {
            "list_name": demand_list.name,
            "organization": park_org.name,
            "region": demand.region.full_name,
            **values,
            "chain": demand.chain.name,
            "deadline": demand.deadline.isoformat(),
        }
        rows.append({DEMAND.columns[key]: str(value) for key, value in cells.items() if key in DEMAND.columns})
    report = import_catalog_file(io.BytesIO(csv_bytes(rows, headers=DEMAND.headers)), filename="x.csv", actor=owner)
    assert report.ok, report.errors
    message = OutboxMessage.objects.get(task_name="matching.tasks.refresh_items")
    assert sorted(message.args[0]) == sorted(d.pk for d in demands)
    assert AuditEntry.objects.filter(action="update", content_type__model="demand").count() == 3


@pytest.mark.parametrize("path", PATHS)
def test_a_new_published_demand_tells_subscribers(client, park_org, owner, path):
    demand_list = factories.DemandListFactory(organization=park_org)
    template = factories.DemandFactory.build(demand_list=demand_list)
    values = _values(DEMAND, template, title="园区AGV调度系统升级")
    if path == "form":
        client.force_login(owner)
        payload = {k: ("" if v is None else v) for k, v in values.items()}
        payload.update(chain=values["chain"].pk, deadline=values["deadline"].isoformat(), region="")
        payload["demand_list"] = demand_list.pk
        response = client.post(reverse(DEMAND.url["container_item_create"], args=[demand_list.pk]), payload)
        assert response.status_code == 302
    else:
        cells = {
            "list_name": demand_list.name,
            "organization": park_org.name,
            "region": park_org.region.full_name,
            **values,
            "chain": values["chain"].name,
            "deadline": values["deadline"].isoformat(),
        }
        row = {DEMAND.columns[k]: str(v) for k, v in cells.items() if k in DEMAND.columns}
        report = import_catalog_file(
            io.BytesIO(csv_bytes([row], headers=DEMAND.headers)), filename="n.csv", actor=owner
        )
        assert report.ok, report.errors
    created = DEMAND.model.objects.get(title="园区AGV调度系统升级")
    task = "notifications.tasks.subscriptions_notify_for_demand"
    assert OutboxMessage.objects.filter(task_name=task, args=[created.pk]).count() == 1
    assert refreshes(DEMAND, created.pk) == 1
    assert audit_entries(created).get().action == "create"

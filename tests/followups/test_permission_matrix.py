"""Who may act on a 济宁 对接项目 through the pages: every action × every persona, as one table.

Liaison staff read every case but act (stage move incl. 终止, note, document, next action, reassign)
only on cases in the regions they cover or on cases they own; platform admins everywhere; the
parties keep their own (smaller) rights; other organisations do not see the case at all.
Expected values: an HTTP status, or "login" for a redirect to the login page.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Region
from followups import services
from followups.models import Case, CaseActivity, CaseDocument
from followups.services import case_open
from tests import factories

pytestmark = pytest.mark.django_db

L = "login"
PERSONAS = [
    "anonymous",
    "owner",  # member of the demand's park (a party)
    "supplier_user",  # member of the supplying company (a party)
    "other_member",  # member of an unrelated (青岛) organisation
    "liaison",  # covers 济宁市: the case's region
    "liaison_province",  # covers 山东省, so every city in it
    "liaison_coast",  # covers 青岛/烟台/潍坊 only
    "liaison_coast_owner",  # covers 青岛/烟台/潍坊, but owns this case
    "platform_admin",
]
ACTIONS = ["move", "note", "document", "next_action", "reassign"]
STAFF_ONLY = {"next_action", "reassign"}


def _expected(persona, action):
    if persona == "anonymous":
        return L
    if persona == "other_member":
        return 404
    if persona == "liaison_coast":
        return 403
    if persona in {"owner", "supplier_user"}:
        return 403 if action in STAFF_ONLY else 302
    return 302


@pytest.fixture
def liaison_coast(db):
    user = factories.LiaisonFactory(username="liaison_coast", display_name="对接专员 胶东")
    user.responsible_regions.add(
        factories.region("山东省青岛市"), factories.region("山东省烟台市"), factories.region("山东省潍坊市")
    )
    return user


@pytest.fixture
def liaison_province(db):
    user = factories.LiaisonFactory(username="liaison_province")
    user.responsible_regions.add(factories.region("山东省"))
    return user


@pytest.fixture
def jining_case(liaison, demand, supplier_org):
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    assert case.owner == liaison  # the 济宁 liaison is responsible by default
    return case


def _persona_user(request, persona, case):
    if persona == "anonymous":
        return None
    if persona == "liaison_coast_owner":
        user = request.getfixturevalue("liaison_coast")
        Case.objects.filter(pk=case.pk).update(owner=user)
        return user
    return request.getfixturevalue(persona)


def _post(client, case, action, new_owner):
    case.refresh_from_db()
    if action == "move":
        return client.post(
            reverse("followups:case_move", args=[case.pk]), {"to_stage": "terminated", "termination_reason": "需求取消"}
        )
    if action == "note":
        return client.post(reverse("followups:case_activity", args=[case.pk]), {"kind": "note", "text": "已电话沟通"})
    if action == "document":
        upload = SimpleUploadedFile("合作协议.pdf", b"%PDF-1.4 agreement", content_type="application/pdf")
        return client.post(
            reverse("followups:case_activity", args=[case.pk]), {"kind": "file", "text": "协议草案", "file": upload}
        )
    owner = new_owner.pk if action == "reassign" else case.owner_id
    return client.post(
        reverse("followups:case_next_action", args=[case.pk]),
        {"next_action": "组织双方视频会", "next_action_at": "2027-05-06", "owner": str(owner or "")},
    )


def _state(case):
    case.refresh_from_db()
    return (
        case.stage,
        case.owner_id,
        case.next_action,
        CaseActivity.objects.filter(case=case).count(),
        CaseDocument.objects.filter(case=case).count(),
    )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_case_actions(client, request, jining_case, platform_admin, persona, action):
    user = _persona_user(request, persona, jining_case)
    if user is not None:
        client.force_login(user)
    before = _state(jining_case)
    response = _post(client, jining_case, action, new_owner=platform_admin)
    expected = _expected(persona, action)
    after = _state(jining_case)
    if expected == L:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, (persona, action, response.status_code)
    if expected != 302:
        assert after == before, "a refused action must change nothing"
        if persona == "liaison_coast":
            assert "该对接项目属于济宁市，不在您负责的地区，您只能查看" in response.text
        return
    stage, owner_id, next_action, activities, documents = after
    if action == "move":
        assert stage == Case.Stage.TERMINATED and activities == before[3] + 1
    elif action == "note":
        assert activities == before[3] + 1
    elif action == "document":
        assert documents == before[4] + 1
    elif action == "next_action":
        assert next_action == "组织双方视频会"
    else:
        assert owner_id == platform_admin.pk


@pytest.mark.parametrize("persona", ["liaison", "liaison_coast", "liaison_province", "platform_admin"])
def test_every_liaison_reads_the_case_board_list_and_page(client, request, jining_case, persona):
    client.force_login(request.getfixturevalue(persona))
    assert jining_case.demand.title in client.get(reverse("followups:case_board")).text
    assert jining_case.demand.title in client.get(reverse("followups:case_list")).text
    assert client.get(reverse("followups:case_detail", args=[jining_case.pk])).status_code == 200


@pytest.mark.parametrize(
    "persona, forms",
    [
        ("liaison", {"case-move-form", "case-activity-form", "case-next-form"}),
        ("liaison_province", {"case-move-form", "case-activity-form", "case-next-form"}),
        ("platform_admin", {"case-move-form", "case-activity-form", "case-next-form"}),
        ("liaison_coast", set()),
        ("liaison_coast_owner", {"case-move-form", "case-activity-form", "case-next-form"}),
        ("owner", {"case-move-form", "case-activity-form"}),
    ],
)
def test_case_page_shows_only_the_actions_the_user_may_take(client, request, jining_case, persona, forms):
    client.force_login(_persona_user(request, persona, jining_case))
    page = client.get(reverse("followups:case_detail", args=[jining_case.pk])).text
    shown = {f for f in ("case-move-form", "case-activity-form", "case-next-form") if f'id="{f}"' in page}
    assert shown == forms
    read_only = "不在您负责的地区：您可以查看" in page
    assert read_only == (persona == "liaison_coast")


def _assign(client, case, owner):
    return client.post(
        reverse("followups:case_next_action", args=[case.pk]),
        {"next_action": "改派后联系双方", "next_action_at": "2027-05-06", "owner": str(owner.pk)},
    )


def test_new_owner_must_cover_the_case_region(client, liaison, liaison_coast, jining_case):
    client.force_login(liaison)
    response = _assign(client, jining_case, liaison_coast)
    assert response.status_code == 400
    assert "负责人必须是负责济宁市的在岗对接专员，或平台管理员。" in response.text
    jining_case.refresh_from_db()
    # Next action and owner are saved together or not at all.
    assert jining_case.owner == liaison and jining_case.next_action != "改派后联系双方"


def test_new_owner_must_be_active(client, liaison, jining_case):
    retired = factories.LiaisonFactory(username="retired_jining", is_active=False)
    retired.responsible_regions.add(factories.region("山东省济宁市"))
    client.force_login(liaison)
    assert _assign(client, jining_case, retired).status_code == 400
    jining_case.refresh_from_db()
    assert jining_case.owner == liaison


def test_ordinary_user_cannot_be_made_owner(client, liaison, owner, jining_case):
    client.force_login(liaison)
    assert _assign(client, jining_case, owner).status_code == 400
    jining_case.refresh_from_db()
    assert jining_case.owner == liaison


@pytest.mark.parametrize("new_owner", ["liaison_province", "platform_admin", "second_jining"])
def test_case_handed_to_covering_staff(client, request, liaison, jining_case, new_owner):
    if new_owner == "second_jining":
        target = factories.LiaisonFactory(username="liaison_jining_2")
        target.responsible_regions.add(factories.region("山东省济宁市"))
    else:
        target = request.getfixturevalue(new_owner)
    client.force_login(liaison)
    assert _assign(client, jining_case, target).status_code == 302
    jining_case.refresh_from_db()
    assert jining_case.owner == target


def test_owner_choices_are_the_covering_staff(
    client, liaison, liaison_coast, liaison_province, platform_admin, jining_case
):
    client.force_login(liaison)
    page = client.get(reverse("followups:case_detail", args=[jining_case.pk])).text
    select = page[page.index('name="owner"') : page.index("</select>", page.index('name="owner"'))]
    assert str(liaison) in select and str(liaison_province) in select and str(platform_admin) in select
    assert str(liaison_coast) not in select


def test_district_case_belongs_to_its_city_liaison(client, liaison, liaison_coast, park_org, supplier_org):
    district = Region.objects.create(
        name="任城区",
        full_name="山东省济宁市任城区",
        level=Region.Level.DISTRICT,
        parent=factories.region("山东省济宁市"),
    )
    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org), region=district)
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    note = {"kind": "note", "text": "区里已确认场地"}
    client.force_login(liaison_coast)
    refused = client.post(reverse("followups:case_activity", args=[case.pk]), note)
    assert refused.status_code == 403 and "该对接项目属于济宁市" in refused.text
    client.force_login(liaison)
    assert client.post(reverse("followups:case_activity", args=[case.pk]), note).status_code == 302
    assert CaseActivity.objects.filter(case=case, text="区里已确认场地").count() == 1


def test_coast_liaison_acts_on_coast_cases(client, liaison, liaison_coast, other_org, supplier_org):
    """The mirror image: on a 青岛 case the coast liaison acts and the 济宁 liaison only reads."""
    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=other_org))
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    assert case.owner == liaison_coast
    move = {"to_stage": "intent"}
    client.force_login(liaison)
    refused = client.post(reverse("followups:case_move", args=[case.pk]), move)
    assert refused.status_code == 403 and "该对接项目属于青岛市" in refused.text
    client.force_login(liaison_coast)
    assert client.post(reverse("followups:case_move", args=[case.pk]), move).status_code == 302
    case.refresh_from_db()
    assert case.stage == Case.Stage.INTENT


def test_services_refuse_a_liaison_of_other_regions(jining_case, liaison_coast, platform_admin):
    """The rule lives in followups.services, so any other caller (API, admin, tasks) gets it too."""
    before = _state(jining_case)
    calls = [
        lambda: services.case_move(
            case=jining_case, to_stage="terminated", actor=liaison_coast, termination_reason="需求取消"
        ),
        lambda: services.case_log_activity(case=jining_case, actor=liaison_coast, kind="note", text="备注"),
        lambda: services.case_log_activity(
            case=jining_case,
            actor=liaison_coast,
            kind="file",
            text="",
            file=SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf"),
        ),
        lambda: services.case_set_next_action(
            case=jining_case, actor=liaison_coast, next_action="x", next_action_at="2027-01-01"
        ),
        lambda: services.case_assign(case=jining_case, actor=liaison_coast, owner=platform_admin),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="该对接项目属于济宁市，不在您负责的地区"):
            call()
    assert _state(jining_case) == before


def test_admin_cannot_add_or_change_case_documents(client, jining_case):
    """Documents are uploaded on the case page only, where the region rule and the audit apply."""
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(reverse("admin:followups_casedocument_add")).status_code == 403
    assert client.get(reverse("admin:followups_casedocument_changelist")).status_code == 200

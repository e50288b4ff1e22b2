"""需求/供给 forms (issue #12): phone and description rules on every path, the preview step, starred labels.

The content rules (catalog.validators) hold for the form, the API and an Excel import alike, since
all three end in catalog.services.items_upsert. The form previews before it writes: 预览 is a dry
run, 返回修改 keeps the input, 确认发布 writes exactly one row, an abandoned preview writes nothing.
"""

import io
import re

import pytest
from django.core import signing
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.importing import import_catalog_file
from catalog.kinds import DEMAND, SUPPLY
from catalog.models import Demand, DemandList, Supply
from catalog.validators import PHONE_MESSAGE, phone_error
from tests import factories
from tests.catalog.files import csv_bytes, demand_row, supply_row

pytestmark = pytest.mark.django_db

GOOD_DESCRIPTION = "园区汽车零部件企业需要视觉引导的协作机器人柔性装配，节拍不低于每分钟6件。"
SHORT_DESCRIPTION_HINT = "需求描述至少 20 字（当前 1 字）"


@pytest.fixture
def published_list(park_org):
    return factories.DemandListFactory(organization=park_org, status=DemandList.Status.COLLECTING)


@pytest.fixture
def draft_menu(supplier_org):
    return factories.SupplyMenuFactory(organization=supplier_org, status="draft")


def demand_post(demand_list, **changes):
    data = {
        "demand_list": demand_list.pk,
        "title": "协作机器人柔性装配",
        "description": GOOD_DESCRIPTION,
        "chain": factories.chain().pk,
        "demand_type": "技术攻关",
        "budget_wan": "200",
        "deadline": "2099-08-07",
        "contact_name": "王主任",
        "contact_phone": "0537-2345678",
        "region": "",
    }
    data.update(changes)
    return data


def supply_post(menu, **changes):
    data = {
        "menu": menu.pk,
        "title": "视觉引导协作机器人装配工作站",
        "description": "基于3D视觉与力控的协作机器人装配工作站，已在汽车零部件行业量产应用。",
        "chain": factories.chain().pk,
        "supply_type": "解决方案",
        "price_wan": "150",
        "maturity": "",
        "contact_name": "李经理",
        "contact_phone": "13812345678",
        "region": "",
    }
    data.update(changes)
    return data


def payload_of(html):
    return re.search(r'name="_payload" value="([^"]+)"', html).group(1)


# --- the phone and description rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["13812345678", "+8613812345678", "0537-2345678", "05372345678", "010-62345678", "0537-2345678-801"]
)
def test_chinese_mobile_and_landline_numbers_pass(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", ["abc", "123", "12812345678", "1381234567", "2345678", "0537-23", "-1+1"])
def test_other_phone_numbers_are_refused(phone):
    assert phone_error(phone) == PHONE_MESSAGE


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"contact_phone": "abc"}, "contact_phone", PHONE_MESSAGE),
        ({"description": "好"}, "description", SHORT_DESCRIPTION_HINT),
    ],
)
def test_form_refuses_bad_phone_and_short_description(client, owner, published_list, changes, field, message):
    client.force_login(owner)
    url = reverse("catalog:demand_create")
    for step in ("preview", None):  # the preview step and a direct save refuse alike
        data = demand_post(published_list, **changes)
        if step:
            data["_step"] = step
        response = client.post(url, data)
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page
        assert "_payload" not in page  # no preview of an invalid item
    assert Demand.objects.count() == 0


def test_short_description_message_says_what_to_write(client, supplier_user, draft_menu):
    client.force_login(supplier_user)
    data = supply_post(draft_menu, description="好用的机器人", _step="preview")
    page = client.post(reverse("catalog:supply_create"), data).content.decode()
    assert "供给描述至少 20 字（当前 6 字）" in page and "应用案例" in page
    assert Supply.objects.count() == 0


def test_api_refuses_bad_phone_and_short_description(owner, published_list):
    api = APIClient()
    api.force_authenticate(owner)
    base = {
        "demand_list": published_list.pk,
        "title": "消防无人机集群调度系统",
        "description": "需要支持20架无人机协同的调度平台，具备航线规划、任务分配和实时视频回传。",
        "chain": "机器人",
        "demand_type": "解决方案",
        "contact_name": "刘科长",
        "contact_phone": "0537-2222222",
    }
    bad_phone = api.post("/api/demands/", {**base, "contact_phone": "abc"}, format="json")
    assert bad_phone.status_code == 400 and PHONE_MESSAGE in bad_phone.content.decode()
    short = api.post("/api/demands/", {**base, "description": "好"}, format="json")
    assert short.status_code == 400 and SHORT_DESCRIPTION_HINT in short.content.decode()
    assert Demand.objects.count() == 0
    assert api.post("/api/demands/", base, format="json").status_code == 201


def test_api_edit_of_an_old_row_is_not_blocked_by_its_unchanged_short_description(owner, published_list):
    # Rows stored before the rule stay editable: only a new or changed value is judged.
    old = factories.DemandFactory(demand_list=published_list, description="短描述", contact_phone="123")
    api = APIClient()
    api.force_authenticate(owner)
    response = api.patch(f"/api/demands/{old.pk}/", {"budget_wan": "300"}, format="json")
    assert response.status_code == 200, response.content
    response = api.patch(f"/api/demands/{old.pk}/", {"contact_phone": "456"}, format="json")
    assert response.status_code == 400 and PHONE_MESSAGE in response.content.decode()
    old.refresh_from_db()
    assert old.contact_phone == "123"


@pytest.mark.parametrize(
    "row, column, message",
    [
        (demand_row(1, 联系电话="abc"), "联系电话", PHONE_MESSAGE),
        (demand_row(1, 需求描述="好"), "需求描述", SHORT_DESCRIPTION_HINT),
        (supply_row(1, 联系电话="12345"), "联系电话", PHONE_MESSAGE),
        (supply_row(1, 供给描述="好"), "供给描述", "供给描述至少 20 字（当前 1 字）"),
    ],
)
def test_import_refuses_bad_phone_and_short_description(platform_admin, park_org, supplier_org, row, column, message):
    kind = DEMAND if "清单名称" in row else SUPPLY
    report = import_catalog_file(
        io.BytesIO(csv_bytes([row], headers=kind.headers)), filename="one.csv", actor=platform_admin
    )
    assert not report.ok
    assert any(line.startswith(f"第2行「{column}」") and message in line for line in report.errors), report.errors
    assert Demand.objects.count() == 0 and Supply.objects.count() == 0


# --- draft → preview → publish ---------------------------------------------------------------------


def test_preview_writes_nothing_and_shows_the_item_as_others_see_it(client, owner, published_list):
    client.force_login(owner)
    response = client.post(reverse("catalog:demand_create"), demand_post(published_list, _step="preview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "预览" in page and "协作机器人柔性装配" in page and GOOD_DESCRIPTION in page
    assert "返回修改" in page and "确认发布" in page
    assert "0537-2345678" in page  # contacts as a verified reader sees them
    # Abandoning the preview (the person simply leaves) leaves nothing behind.
    assert Demand.objects.count() == 0


def test_confirm_creates_exactly_one_row(client, owner, published_list):
    client.force_login(owner)
    url = reverse("catalog:demand_create")
    payload = payload_of(client.post(url, demand_post(published_list, _step="preview")).content.decode())
    response = client.post(url, {"_step": "confirm", "_payload": payload})
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert response["Location"] == reverse("catalog:demand_detail", args=[demand.pk])
    assert demand.title == "协作机器人柔性装配" and demand.is_published
    # A second click (back button, double submit) is refused by the duplicate-title rule: still one row.
    again = client.post(url, {"_step": "confirm", "_payload": payload})
    assert again.status_code == 200 and "已有名为「协作机器人柔性装配」" in again.content.decode()
    assert Demand.objects.count() == 1


def test_back_to_edit_keeps_the_input(client, owner, published_list):
    client.force_login(owner)
    url = reverse("catalog:demand_create")
    payload = payload_of(client.post(url, demand_post(published_list, _step="preview")).content.decode())
    page = client.post(url, {"_step": "edit", "_payload": payload}).content.decode()
    assert 'value="协作机器人柔性装配"' in page and GOOD_DESCRIPTION in page and 'value="0537-2345678"' in page
    assert 'value="preview"' in page  # the form offers the preview again
    assert Demand.objects.count() == 0


def test_draft_menu_preview_offers_save_as_draft(client, supplier_user, draft_menu):
    client.force_login(supplier_user)
    url = reverse("catalog:supply_create")
    page = client.post(url, supply_post(draft_menu, _step="preview")).content.decode()
    assert "保存草稿" in page and "尚未发布" in page
    response = client.post(url, {"_step": "confirm", "_payload": payload_of(page)})
    assert response.status_code == 302
    assert Supply.objects.count() == 1 and not Supply.objects.get().is_published


def test_edit_goes_through_the_preview_too(client, owner, published_list):
    demand = factories.DemandFactory(demand_list=published_list)
    client.force_login(owner)
    url = reverse("catalog:demand_edit", args=[demand.pk])
    data = {**demand_post(published_list, title="改名后的需求", _step="preview")}
    data.pop("demand_list")
    page = client.post(url, data).content.decode()
    assert "改名后的需求" in page and "确认发布" in page
    demand.refresh_from_db()
    assert demand.title != "改名后的需求"  # the preview wrote nothing
    assert client.post(url, {"_step": "confirm", "_payload": payload_of(page)}).status_code == 302
    demand.refresh_from_db()
    assert demand.title == "改名后的需求" and Demand.objects.count() == 1


def test_forged_or_foreign_payload_is_refused(client, owner, other_member, other_org, published_list):
    client.force_login(owner)
    url = reverse("catalog:demand_create")
    payload = payload_of(client.post(url, demand_post(published_list, _step="preview")).content.decode())
    # Tampered.
    page = client.post(url, {"_step": "confirm", "_payload": payload + "x"}).content.decode()
    assert "预览已过期或无效" in page
    # Someone else's preview (replayed by another organisation's member) writes nothing either.
    factories.DemandListFactory(organization=other_org)
    client.force_login(other_member)
    page = client.post(url, {"_step": "confirm", "_payload": payload}).content.decode()
    assert "预览已过期或无效" in page
    # A payload signed for another user cannot be made without the secret key.
    forged = signing.dumps({"user": other_member.pk, "kind": "demands", "item": None, "data": {}}, salt="other")
    page = client.post(url, {"_step": "confirm", "_payload": forged}).content.decode()
    assert "预览已过期或无效" in page
    assert Demand.objects.count() == 0


def test_preview_of_another_orgs_list_is_refused(client, other_member, published_list):
    other_list = factories.DemandListFactory(organization=other_member.memberships.get().organization)
    client.force_login(other_member)
    data = demand_post(published_list, _step="preview")
    response = client.post(reverse("catalog:demand_create") + f"?list={other_list.pk}", data)
    # Only the member's own lists are offered: another organisation's list is not a valid choice.
    assert response.status_code == 200 and "_payload" not in response.content.decode()
    assert Demand.objects.count() == 0


# --- page details ------------------------------------------------------------------------------------


def test_required_labels_carry_the_required_class(client, owner, published_list):
    client.force_login(owner)
    page = client.get(reverse("catalog:demand_create")).content.decode()
    assert re.search(r'<label class="form-label required" for="id_title">', page)
    assert re.search(r'<label class="form-label required" for="id_contact_phone">', page)
    assert re.search(r'<label class="form-label" for="id_budget_wan">', page)  # optional: no star
    assert '带 <span class="required-mark">*</span> 的为必填项' in page
    assert "20～5000 字" in page and "如 0537-2345678" in page


def test_list_year_is_not_repeated_on_the_item_page(client, park_org):
    with_year = factories.DemandListFactory(
        organization=park_org, name="济宁市机器人产业需求清单（2027）", year=2027, status="collecting"
    )
    demand = factories.DemandFactory(demand_list=with_year)
    page = client.get(reverse("catalog:demand_detail", args=[demand.pk])).content.decode()
    assert "济宁市机器人产业需求清单（2027）</a>" in page and "（2027）（2027）" not in page
    without_year = factories.DemandListFactory(
        organization=park_org, name="济宁市机器人产业需求清单", year=2027, status="collecting"
    )
    demand = factories.DemandFactory(demand_list=without_year)
    page = client.get(reverse("catalog:demand_detail", args=[demand.pk])).content.decode()
    assert "济宁市机器人产业需求清单</a>（2027）" in page


def test_preview_shows_a_whole_budget_as_typed(client, owner, published_list):
    client.force_login(owner)
    page = client.post(reverse("catalog:demand_create"), demand_post(published_list, _step="preview")).content.decode()
    assert "<dd>200万元</dd>" in page

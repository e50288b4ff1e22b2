"""Journey 2: a Beijing firm publishes a supply menu through the forms, finds a 济宁 demand with
the Chinese search box, submits and edits a sealed bid; a competitor bids too and cannot learn
the first firm's price anywhere (pages, my bids, REST API, notifications); the demand's owner
sees only "sealed" before the deadline.
"""

import datetime
import json
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bidding.models import Bid
from catalog import services as catalog_services
from catalog.models import DemandList, Supply
from tests import factories
from tests.e2e.conftest import login, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRM = "北京智元协作机器人有限公司"
COMPETITOR = "北京卓越视觉科技有限公司"
PARK = "济宁高新区管委会"
DEMAND = "汽车零部件柔性装配协作机器人需求"
DECOY = "碳化硅外延片缺陷检测设备采购"
MENU = "智元协作机器人2027年供给菜单"
SUPPLY = "视觉引导协作机器人柔性装配工作站"
# Distinctive prices so a leak anywhere on a page or in JSON is found by text.
FIRST_PRICE, EDITED_PRICE, COMPETITOR_PRICE = "186.5", "172.8", "209.9"


def member(org, username, display_name):
    user = factories.UserFactory(username=username, display_name=display_name)
    factories.MembershipFactory(user=user, organization=org)
    return user


def published_park_demands(owner, park):
    """The park's list, created and published through the catalog services (search index included)."""
    demand_list = catalog_services.demand_list_create(
        organization=park, user=owner, data={"name": "济宁高新区2027年第一批产业链需求清单", "year": 2027}
    )
    deadline = timezone.localdate() + datetime.timedelta(days=45)
    common = {
        "demand_type": "解决方案",
        "deadline": deadline,
        "contact_name": "孙主任",
        "contact_phone": "0537-2345678",
    }
    catalog_services.demand_create(
        demand_list=demand_list,
        user=owner,
        data={
            **common,
            "title": DEMAND,
            "chain": factories.chain("机器人"),
            "budget_wan": 200,
            "description": "园区内汽车零部件企业装配线品种多、批量小，希望引入视觉引导的协作机器人实现柔性装配，节拍不低于每分钟6件。",
        },
    )
    catalog_services.demand_create(
        demand_list=demand_list,
        user=owner,
        data={
            **common,
            "title": DECOY,
            "chain": factories.chain("第三代半导体"),
            "budget_wan": 500,
            "demand_type": "设备采购",
            "description": "碳化硅外延片产线需要在线缺陷检测设备，识别微管、层错等缺陷，检测速度不低于每小时20片。",
        },
    )
    catalog_services.demand_list_publish(demand_list=demand_list, user=owner)
    return DemandList.objects.get(pk=demand_list.pk).demands.get(title=DEMAND)


def submit_bid(page, proposal, price, days):
    page.get_by_label("方案说明").fill(proposal)
    page.get_by_label("报价（万元）").fill(price)
    page.get_by_label("交付周期（天）").fill(days)
    page.get_by_role("button", name="提交意向书").click()
    expect(page.get_by_role("alert").first).to_contain_text("意向书已提交")


def api_json(page, live_server, path):
    """GET an API path with this person's session cookie (the browser context's request client)."""
    response = page.request.get(live_server.url + path, headers={"Accept": "application/json"})
    return response.status, response.text()


def test_beijing_firm_publishes_finds_bids_and_competitors_stay_blind(live_server, page, person_page, shot):
    started = time.monotonic()
    firm = factories.SupplierOrganizationFactory(name=FIRM)
    competitor = factories.SupplierOrganizationFactory(name=COMPETITOR)
    park = factories.OrganizationFactory(name=PARK, kind="park")
    member(firm, "bj_zhiyuan_li", "李明")
    member(competitor, "bj_zhuoyue_chen", "陈晨")
    owner = member(park, "jn_owner_sun", "孙主任")
    demand = published_park_demands(owner, park)

    # --- the firm creates a supply menu and a supply through the forms, and publishes -------------
    login(page, live_server, "bj_zhiyuan_li")
    page.locator("nav").get_by_role("link", name="供给菜单").click()
    page.get_by_role("link", name="新建供给菜单").click()
    page.get_by_label("菜单名称").fill(MENU)
    page.get_by_label("菜单说明").fill("面向山东制造业园区的协作机器人产品、柔性装配解决方案与运维服务。")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"已保存草稿「{MENU}」")
    expect(page.locator("#list-status")).to_have_text("草稿")

    page.get_by_role("link", name="添加供给").click()
    page.get_by_label("供给名称").fill(SUPPLY)
    page.get_by_label("供给描述").fill(
        "六轴协作机器人配合3D视觉与力控末端，完成多品种小批量零部件的柔性装配，换型时间小于10分钟，"
        "已在汽车零部件企业量产应用。"
    )
    page.get_by_label("产业链").select_option(label="　└ 协作机器人")
    page.get_by_label("供给类型").select_option(label="解决方案")
    page.get_by_label("参考价格（万元）").fill("150")
    page.get_by_label("成熟度").select_option(label="量产")
    page.get_by_label("联系人").fill("李明")
    page.get_by_label("联系电话").fill("010-62345678")
    page.get_by_role("button", name="预览").click()  # draft → preview → save
    expect(page.locator("main")).to_contain_text(SUPPLY)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"已添加供给「{SUPPLY}」")

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=MENU).click()
    page.get_by_role("button", name="发布菜单").click()
    expect(page.get_by_role("alert").first).to_contain_text("供给菜单已发布。")
    expect(page.locator("#list-status")).to_have_text("已发布")
    assert Supply.objects.get(title=SUPPLY).organization.name == FIRM

    # An anonymous visitor now sees the published supply in the public list.
    visitor = person_page()
    visitor.goto(url(live_server, "catalog:supply_list"))
    expect(visitor.get_by_role("link", name=SUPPLY)).to_be_visible()

    # --- finds the demand with the Chinese search box; the hit is highlighted -----------------------
    page.locator("nav").get_by_role("link", name="需求清单").click()
    page.get_by_label("关键词").fill("协作机器人")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#result-count")).to_contain_text("“协作机器人”的搜索结果：共 1 条需求")
    hit = page.locator(".catalog-item", has_text=DEMAND)
    expect(hit.locator("mark.hit").first).to_be_visible()
    expect(page.get_by_text(DECOY)).to_have_count(0)
    shot("07-demand-search-hit")

    # --- bids, then edits the bid ---------------------------------------------------------------------
    hit.get_by_role("link", name=DEMAND).click()
    expect(page.locator("#contacts")).to_contain_text("0537-2345678")  # verified org sees contacts
    page.get_by_role("link", name="意向书/报价").click()
    expect(page.get_by_text("密封报价：截止前发布方看不到您的报价")).to_be_visible()
    submit_bid(
        page, "提供3D视觉引导协作机器人柔性装配工作站两套，含工装夹具设计、安装调试与一年运维。", FIRST_PRICE, "90"
    )
    own = page.locator("section.card", has_text="本单位的意向书")
    expect(own).to_contain_text(f"{FIRST_PRICE}0 万元")
    page.get_by_role("link", name="修改").click()
    expect(page.get_by_label("报价（万元）")).to_have_value(f"{FIRST_PRICE}0")
    page.get_by_label("报价（万元）").fill(EDITED_PRICE)
    page.get_by_label("交付周期（天）").fill("75")
    page.get_by_role("button", name="保存修改").click()
    expect(page.get_by_role("alert").first).to_contain_text("意向书已修改。")
    expect(own).to_contain_text(f"{EDITED_PRICE}0 万元")
    expect(own).to_contain_text("75 天")
    shot("08-bids-tab-own-bid")
    first_bid = Bid.objects.get(organization__name=FIRM)

    # --- a competitor bids too, and cannot see the first firm's price anywhere ---------------------
    rival = person_page()
    login(rival, live_server, "bj_zhuoyue_chen")
    rival.goto(url(live_server, "bidding:demand_bids", demand.pk))
    expect(rival.locator("body")).not_to_contain_text(FIRM)
    submit_bid(rival, "基于深度学习视觉的协作机器人装配方案，含产线改造。", COMPETITOR_PRICE, "120")
    expect(rival.locator("section.card", has_text="本单位的意向书")).to_contain_text(f"{COMPETITOR_PRICE}0 万元")

    def assert_blind(body, where):
        for secret in (FIRST_PRICE, EDITED_PRICE, FIRM, str(first_bid.pk)):
            assert secret not in body, f"competitor learned 「{secret}」 from {where}"

    for name, args in (
        ("bidding:demand_bids", (demand.pk,)),
        ("catalog:demand_detail", (demand.pk,)),
        ("bidding:my_bids", ()),
        ("notifications:inbox", ()),
        ("catalog:demand_list", ()),
    ):
        rival.goto(url(live_server, name, *args))
        assert_blind(rival.content(), name)
    rival.goto(url(live_server, "bidding:my_bids"))
    rows = rival.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(COMPETITOR_PRICE)

    status, body = api_json(rival, live_server, "/api/bids/")
    assert status == 200
    listing = json.loads(body)
    assert_blind(body, "/api/bids/")
    assert listing["count"] == 1
    for query in (f"demand={demand.pk}", "ordering=-price_wan", "ordering=price_wan", f"price_wan={EDITED_PRICE}"):
        status, body = api_json(rival, live_server, f"/api/bids/?{query}")
        assert status in (200, 400), query
        assert_blind(body, f"/api/bids/?{query}")
    status, body = api_json(rival, live_server, f"/api/bids/{first_bid.pk}/")
    assert status == 404
    assert_blind(body, "/api/bids/<first bid>/")
    status, body = api_json(rival, live_server, f"/api/demands/{demand.pk}/")
    assert status == 200
    assert_blind(body, "/api/demands/<id>/")

    # --- the demand's owner sees "sealed" before the deadline --------------------------------------
    owner_page = person_page()
    login(owner_page, live_server, "jn_owner_sun")
    owner_page.goto(url(live_server, "bidding:demand_bids", demand.pk))
    expect(owner_page.get_by_role("status")).to_contain_text("报价密封中")
    body = owner_page.content()
    for secret in (FIRST_PRICE, EDITED_PRICE, COMPETITOR_PRICE, FIRM, COMPETITOR):
        assert secret not in body, f"the owner saw 「{secret}」 before the deadline"
    status, body = api_json(owner_page, live_server, f"/api/bids/?demand={demand.pk}")
    assert status == 200 and json.loads(body)["count"] == 0
    shot("09-bids-tab-owner-sealed", owner_page)

    assert time.monotonic() - started < 120

"""Journey: a liaison opens 产业图谱 → a chain's panorama → a 断链 环节 → sees the ranked candidates
that could fill it → invites two of them to an upcoming 对接会 (精准邀约)."""

import pytest
from playwright.sync_api import expect

from catalog.models import IndustryChain
from events.models import Invitation
from reports.models import AchievementItem, SegmentPosition, TalentItem
from reports.seeding import seed_positions
from tests import factories
from tests.e2e.conftest import login, url
from tests.events.factories import EventFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EVENT = "2027京鲁机器人产业链补链对接会"
TEAM_ORG = "北京智元协作机器人有限公司"
RESULT_ORG = "京华理工大学"


def data():
    seed_positions(IndustryChain, SegmentPosition)
    park = factories.OrganizationFactory(name="济宁高新区管委会", kind="park")
    cobot = IndustryChain.objects.get(name="协作机器人")
    factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park),
        chain=cobot,
        title="汽车零部件柔性装配协作机器人",
        description="装配线需要协作机器人力控与3D视觉引导，节拍不低于每分钟6件。",
    )
    team_org = factories.SupplierOrganizationFactory(name=TEAM_ORG)
    result_org = factories.SupplierOrganizationFactory(name=RESULT_ORG, kind="university")
    TalentItem.objects.create(
        name="协作机器人力控团队", organization=team_org, research="协作机器人 力控 柔顺装配", chain=cobot
    )
    AchievementItem.objects.create(
        title="3D视觉引导装配技术", organization=result_org, chain=cobot, description="协作机器人视觉引导装配", trl=7
    )
    liaison = factories.LiaisonFactory(username="liaison_maps", display_name="钱专员")
    liaison.responsible_regions.add(factories.region("山东省济宁市"))
    EventFactory(name=EVENT, created_by=liaison)  # a liaison invites into the events they manage


def test_liaison_fills_a_gap_from_the_chain_map(live_server, page, shot):
    data()
    login(page, live_server, "liaison_maps")
    page.goto(url(live_server, "reports:dashboard"))
    page.get_by_role("link", name="产业图谱").first.click()
    expect(page.locator("#chain-cards")).to_contain_text("断链 1")
    page.locator("#chain-cards").get_by_role("link", name="机器人", exact=True).click()
    expect(page.locator("h1")).to_contain_text("机器人 · 产业链全景")
    expect(page.locator("[data-chart='chart-tree'] canvas")).to_have_count(1)
    gap = page.locator(".segment-card[data-status='gap']")
    expect(gap).to_have_count(1)
    shot("maps-01-panorama")
    gap.get_by_role("link", name="协作机器人").click()
    expect(page.locator("#segment-status")).to_contain_text("断链")
    table = page.locator("#candidates")
    expect(table).to_contain_text("协作机器人力控团队")
    expect(table).to_contain_text("3D视觉引导装配技术")
    expect(table).to_contain_text("同属环节「协作机器人」")
    table.locator("tr", has_text="协作机器人力控团队").get_by_role("checkbox").check()
    table.locator("tr", has_text="3D视觉引导装配技术").get_by_role("checkbox").check()
    expect(page.get_by_label("邀请勾选的候选单位参加对接会")).to_contain_text(EVENT)
    page.get_by_role("button", name="发出精准邀约").click()
    expect(page.locator("body")).to_contain_text(f"参加「{EVENT}」")
    shot("maps-02-invited")
    invited = set(Invitation.objects.filter(event__name=EVENT).values_list("organization__name", flat=True))
    assert invited == {TEAM_ORG, RESULT_ORG}

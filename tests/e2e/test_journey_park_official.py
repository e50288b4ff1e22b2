"""Journey 1: a 济宁 park official signs up, uploads a demand list from Excel (row errors, fix,
confirm), is verified by liaison staff, publishes, and sees 推荐供给 computed by the real worker.

Everything the official and the staff do goes through the real pages in Chromium; only the
Beijing supplier's catalogue and the liaison account are set up with factories.
"""

import datetime
import io
import re
import time

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from catalog.models import Demand, DemandList
from tests import factories
from tests.e2e.conftest import login, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADERS = [
    "清单名称",
    "发布单位",
    "所在地区",
    "需求名称",
    "需求描述",
    "产业链",
    "需求类型",
    "预算（万元）",
    "截止日期",
    "联系人",
    "联系电话",
]
ORG_NAME = "济宁高新区智能制造产业园管理办公室"
LIST_NAME = "济宁高新区2027年机器人产业链需求清单"
ASSEMBLY = "汽车零部件柔性装配协作机器人需求"
DRONE = "化工园区消防侦察无人机采购"
DELIVERY = "园区物流无人配送车试点"
COBOT_SUPPLY = "3D视觉引导协作机器人柔性装配工作站"
DRONE_SUPPLY = "园区消防侦察无人机系统"


def demand_rows(delivery_chain):
    deadline = timezone.localdate() + datetime.timedelta(days=90)
    common = [LIST_NAME, ORG_NAME, "济宁市任城区"]
    return [
        common
        + [
            ASSEMBLY,
            "园区内汽车零部件企业装配线品种多、批量小，人工装配效率低、一致性差，希望引入3D视觉引导的协作机器人实现柔性装配，"
            "节拍不低于每分钟6件，换型时间控制在半小时以内。",
            "机器人",
            "解决方案",
            200,
            deadline,
            "王建国",
            "0537-2345678",
        ],
        common
        + [
            DRONE,
            "园区化工企业集中，需采购可携带红外热成像和有毒气体检测模块的消防侦察无人机，用于火情初期侦察和日常安全巡查。",
            "机器人",
            "设备采购",
            120,
            deadline,
            "王建国",
            "0537-2345678",
        ],
        common
        + [
            DELIVERY,
            "园区内企业之间零部件短驳运输频繁，希望试点L4级无人配送车，覆盖园区主干道约12公里，实现24小时无人化配送。",
            delivery_chain,
            "解决方案",
            300,
            deadline,
            "李娜",
            "0537-2345679",
        ],
    ]


def xlsx_bytes(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "需求清单"
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(page, live_server, content, name):
    page.goto(url(live_server, "catalog:import"))
    page.get_by_label("选择文件").set_input_files(
        files=[
            {
                "name": name,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": content,
            }
        ]
    )
    page.get_by_role("button", name="上传并预检").click()


def beijing_supplier_catalogue():
    """A verified Beijing firm with a published supply menu: two fitting supplies and two decoys."""
    org = factories.SupplierOrganizationFactory(name="北京海淀智能装备研究院有限公司")
    menu = factories.SupplyMenuFactory(organization=org, name="北京海淀智能装备研究院2027年供给菜单")
    supplies = [
        (
            COBOT_SUPPLY,
            "六轴协作机器人配合3D结构光相机与力控末端，完成汽车零部件多品种小批量的柔性装配，"
            "换型时间小于10分钟，已在十余家零部件企业量产应用。",
            "机器人",
            "解决方案",
            150,
        ),
        (
            DRONE_SUPPLY,
            "搭载红外热成像与有毒气体检测模块的多旋翼无人机，可在化工园区火情初期快速侦察，"
            "实时回传热点位置与气体浓度，续航45分钟。",
            "机器人",
            "产品",
            80,
        ),
        (
            "中药提取液MVR低温浓缩系统",
            "机械蒸汽再压缩回收二次蒸汽潜热，低温连续浓缩中药提取液，较传统多效蒸发节省蒸汽70%。",
            "节能环保",
            "产品",
            280,
        ),
        (
            "核心企业信用应收账款保理融资",
            "为产业链上游中小供应商提供基于核心企业信用的无追索保理融资，无需抵押。",
            "新一代信息技术",
            "资本",
            5000,
        ),
    ]
    for title, description, chain, kind, price in supplies:
        factories.SupplyFactory(
            menu=menu,
            title=title,
            description=description,
            chain=factories.chain(chain),
            supply_type=kind,
            price_wan=price,
        )
    return org


def test_park_official_from_signup_to_recommended_supplies(live_server, page, person_page, shot, celery_worker_process):
    started = time.monotonic()
    beijing_supplier_catalogue()
    liaison = factories.LiaisonFactory(username="liaison_zhao", display_name="赵对接")
    liaison.responsible_regions.add(factories.region("山东省济宁市"))

    # --- the official signs up and creates the park's organisation -------------------------------
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_contain_text("京鲁产业链供需对接平台")
    page.locator("nav").get_by_role("link", name="注册", exact=True).click()
    page.get_by_label("用户名").fill("jn_wangjg")
    page.get_by_label("姓名").fill("王建国")
    page.get_by_label("电子邮箱").fill("wangjg@jnhitech.example.cn")
    page.get_by_label("手机").fill("13805370001")
    page.locator("#id_password1").fill("Jining#Park2027")
    page.locator("#id_password2").fill("Jining#Park2027")
    page.get_by_label("创建新单位（我是该单位的管理员）").check()
    page.get_by_label("单位名称").fill(ORG_NAME)
    page.get_by_label("单位类型").select_option(label="园区")
    page.get_by_label("所在地区").fill("济宁市任城区")
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text(f"注册成功，已创建「{ORG_NAME}」")
    expect(page.locator("#verification-status")).to_contain_text("未认证：可以起草，认证后才能发布")
    shot("01-signup-unverified-org")

    # --- uploads the Excel list: one unknown 产业链 → row error, nothing saved ---------------------
    upload(page, live_server, xlsx_bytes(demand_rows("智慧物流")), "济宁高新区需求清单.xlsx")
    errors = page.locator("#errors")
    expect(errors).to_contain_text("没有保存任何数据")
    expect(errors).to_contain_text("第4行「产业链」: 未知的产业链「智慧物流」")
    expect(errors).to_contain_text("机器人")  # the message lists the allowed values
    shot("03-import-preview-errors")
    assert not DemandList.objects.filter(name=LIST_NAME).exists()

    # --- fixes the row, re-uploads, confirms ------------------------------------------------------
    upload(page, live_server, xlsx_bytes(demand_rows("机器人")), "济宁高新区需求清单（修改）.xlsx")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("预检通过")
    shot("04-import-preview-ok")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#result")).to_contain_text("导入完成")
    assert Demand.objects.filter(demand_list__name=LIST_NAME).count() == 3

    # The unverified organisation's list is a draft; publishing is refused with a reason.
    demand_list = DemandList.objects.get(name=LIST_NAME)
    page.goto(url(live_server, "catalog:demandlist_detail", demand_list.pk))
    expect(page.locator("#list-status")).to_have_text("草稿")
    page.get_by_role("button", name="发布清单").click()
    expect(page.get_by_role("alert").first).to_contain_text("组织尚未认证，只能保存草稿")
    expect(page.locator("#list-status")).to_have_text("草稿")

    # --- liaison staff verify the organisation in the verification queue -------------------------
    staff = person_page()
    login(staff, live_server, "liaison_zhao")
    staff.get_by_role("button", name="对接专员").click()
    staff.get_by_role("link", name="组织认证").click()
    card = staff.locator(".verification-item", has_text=ORG_NAME)
    expect(card).to_contain_text("园区")
    expect(card).to_contain_text("山东省济宁市任城区")
    expect(card).to_contain_text("王建国")
    shot("02-verification-queue", staff)
    card.get_by_role("button", name="认证通过").click()
    expect(staff.get_by_role("alert").first).to_contain_text(f"「{ORG_NAME}」已认证通过")
    expect(staff.locator(".verification-item", has_text=ORG_NAME)).to_have_count(0)

    # --- the official publishes the list ------------------------------------------------------------
    page.reload()
    page.get_by_role("button", name="发布清单").click()
    expect(page.get_by_role("alert").first).to_contain_text("需求清单已发布，进入征集。")
    expect(page.locator("#list-status")).to_have_text("征集中")

    # The published demand is public: an anonymous visitor finds it by a Chinese search.
    visitor = person_page()
    visitor.goto(url(live_server, "catalog:demand_list", query="q=协作机器人"))
    hit = visitor.locator(".catalog-item", has_text=ASSEMBLY)
    expect(hit).to_be_visible()
    expect(hit.locator("mark.hit").first).to_have_text(re.compile("协作|机器人"))

    page.get_by_role("link", name=ASSEMBLY).click()
    expect(page.locator("h1")).to_have_text(ASSEMBLY)
    expect(page.locator("#contacts")).to_contain_text("0537-2345678")
    shot("05-demand-detail")

    # --- 推荐供给 appear once the worker has computed the matches ------------------------------------
    page.get_by_role("link", name="推荐供给").click()
    assembly_matches = page.locator("#match-list")
    deadline = time.monotonic() + 120
    while not assembly_matches.count():
        assert time.monotonic() < deadline, (
            "no 推荐供给 after 120 s; worker log tail:\n" + celery_worker_process.log_path.read_text()[-3000:]
        )
        page.wait_for_timeout(1500)
        page.reload()
    rows = page.locator(".match-row")
    expect(rows.first).to_contain_text(COBOT_SUPPLY)  # the fitting supply ranks first
    expect(rows.first.locator(".match-score")).to_have_text(re.compile(r"\d+ 分"))
    expect(rows.first).to_contain_text("北京海淀智能装备研究院有限公司")
    shot("06-recommended-supplies")

    # The other demand's tab ranks the drone system first.
    drone = Demand.objects.get(title=DRONE)
    page.goto(url(live_server, "matching:demand_matches", drone.pk))
    expect(page.locator(".match-row").first).to_contain_text(DRONE_SUPPLY)

    assert time.monotonic() - started < 150

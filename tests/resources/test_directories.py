"""Resource directories (人才、科技成果、资本、政策、平台): template → import round trip, row/column
errors with nothing written, export = what the list shows, and who may read, edit and import."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from catalog.models import Supply
from reports.directories import DIRECTORIES
from reports.models import AchievementItem, InvestorItem, PlatformItem, PolicyItem, TalentItem
from reports.seeding import records_from_supplies
from tests import factories

pytestmark = pytest.mark.django_db
KINDS = list(DIRECTORIES)
MODELS = {
    "talent": TalentItem,
    "achievement": AchievementItem,
    "investor": InvestorItem,
    "policy": PolicyItem,
    "platform": PlatformItem,
}


def _sheet(response):
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    return [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]


def _upload(rows, name="导入.xlsx"):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _importer(kind, request):
    return request.getfixturevalue("supplier_user" if DIRECTORIES[kind].org_owned else "liaison")


@pytest.mark.parametrize("kind", KINDS)
def test_each_directory_imports_its_own_template(client, request, kind):
    user = _importer(kind, request)
    client.force_login(user)
    template = client.get(reverse("reports:directory_template", args=[kind]))
    assert template.status_code == 200
    rows = _sheet(template)
    assert rows[0] == [c.header for c in DIRECTORIES[kind].columns]
    if DIRECTORIES[kind].org_owned:  # the example row names no 所属单位: the importer's own
        rows[1][rows[0].index("所属单位")] = None
    response = client.post(reverse("reports:directory_import", args=[kind]), {"file": _upload(rows)})
    assert response.status_code == 302, response.content.decode()[:2000]
    item = MODELS[kind].objects.get()
    if DIRECTORIES[kind].org_owned:
        assert item.organization.name == "北京智元协作机器人有限公司"
    assert AuditEntry.objects.filter(object_id=str(item.pk), action="create").exists()


def test_row_errors_are_reported_by_row_and_column_and_nothing_is_written(client, supplier_user):
    client.force_login(supplier_user)
    header = [c.header for c in DIRECTORIES["achievement"].columns]
    good = ["碳化硅抛光工艺", "", "碳化硅", "去除速率提高40%", "6", "", "许可", "300", "", "", "", "否"]
    bad_trl = ["氮化镓外延工艺", "", "氮化镓", "缺陷密度降低", "12", "", "许可", "abc", "", "", "", "否"]
    bad_chain = ["第三行", "", "不存在的环节", "说明", "5", "", "", "", "", "", "", ""]
    response = client.post(
        reverse("reports:directory_import", args=["achievement"]),
        {"file": _upload([header, good, bad_trl, bad_chain])},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "第3行「技术就绪水平」: 「12」不是可选值" in text
    assert "第3行「参考价格（万元）」: 应为数字，实际是「abc」" in text
    assert "第4行「产业链/环节」: 找不到产业链或环节「不存在的环节」" in text
    assert "没有写入任何记录" in text
    assert not AchievementItem.objects.exists()


def test_missing_required_column_and_wrong_file(client, supplier_user):
    client.force_login(supplier_user)
    url = reverse("reports:directory_import", args=["talent"])
    response = client.post(url, {"file": _upload([["姓名/团队名称"], ["张三"]])})
    assert "缺少必填列" in response.content.decode() and "研究方向" in response.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("x.txt", b"hello")})
    assert "只支持 Excel（.xlsx）和 CSV（.csv）文件" in response.content.decode()
    assert not TalentItem.objects.exists()


def test_csv_import(client, supplier_user):
    client.force_login(supplier_user)
    csv_text = "姓名/团队名称,类型,研究方向,产业链/环节,合作意愿\n视觉团队,团队,3D视觉,工业机器人,兼职\n"
    response = client.post(
        reverse("reports:directory_import", args=["talent"]),
        {"file": SimpleUploadedFile("人才.csv", csv_text.encode("utf-8"))},
    )
    assert response.status_code == 302
    assert TalentItem.objects.get().get_willingness_display() == "兼职"


def test_import_refused_to_anonymous_and_liaison_for_org_kinds(client, liaison):
    url = reverse("reports:directory_import", args=["talent"])
    assert client.get(url).status_code == 302  # login
    client.force_login(liaison)
    assert client.get(url).status_code == 404
    assert client.post(reverse("reports:directory_import", args=["policy"]), {}).status_code == 200


def _talent(org, **kw):
    values = {
        "name": "先进功率器件团队",
        "organization": org,
        "research": "碳化硅功率器件",
        "chain": factories.chain("碳化硅"),
        "contact_phone": "010-62781234",
    }
    values.update(kw)
    return TalentItem.objects.create(**values)


def test_export_returns_what_the_list_shows(client, supplier_org, other_org):
    _talent(supplier_org, name="碳化硅团队")
    _talent(supplier_org, name="机器人视觉团队", chain=factories.chain("工业机器人"), research="视觉")
    robot = factories.chain("机器人")
    listing = client.get(reverse("reports:directory_list", args=["talent"]), {"chain": robot.pk})
    assert "机器人视觉团队" in listing.text and "碳化硅团队" not in listing.text
    rows = _sheet(client.get(reverse("reports:directory_export", args=["talent"]), {"chain": robot.pk}))
    assert rows[0][0] == "姓名/团队名称"
    assert [r[0] for r in rows[1:]] == ["机器人视觉团队"]


def test_export_guards_formulas(client, supplier_org):
    _talent(supplier_org, name="=HYPERLINK(1)")
    rows = _sheet(client.get(reverse("reports:directory_export", args=["talent"])))
    assert rows[1][0] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    "persona,can_edit,sees_contact",
    [
        (None, False, False),
        ("supplier_user", True, True),
        ("other_member", False, False),
        ("liaison", False, True),
        ("platform_admin", True, True),
    ],
)
def test_owner_edits_others_read_contacts_hidden(client, request, supplier_org, persona, can_edit, sees_contact):
    item = _talent(supplier_org)
    if persona:
        client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("reports:directory_detail", args=["talent", item.pk]))
    assert page.status_code == 200
    assert ("010-62781234" in page.text) == sees_contact
    edit = client.post(
        reverse("reports:directory_edit", args=["talent", item.pk]),
        {
            "name": "改名团队",
            "kind": "team",
            "research": "新方向",
            "chain": item.chain_id,
            "willingness": "full_time",
            "organization": supplier_org.pk,
        },
    )
    item.refresh_from_db()
    assert (item.name == "改名团队") == can_edit
    if not can_edit:
        assert edit.status_code in (302, 404)
        if persona:
            assert edit.status_code == 404


def test_public_contact_visible_to_anonymous(client, supplier_org):
    item = _talent(supplier_org, is_contact_public=True)
    assert "010-62781234" in client.get(reverse("reports:directory_detail", args=["talent", item.pk])).text


def test_policy_is_staff_maintained(client, owner, liaison):
    url = reverse("reports:directory_create", args=["policy"])
    client.force_login(owner)
    assert client.get(url).status_code == 404
    client.force_login(liaison)
    bad = client.post(url, {"title": "", "issuer": "省工信厅"})
    assert bad.status_code == 400 and not PolicyItem.objects.exists()
    robot = factories.chain("机器人")
    ok = client.post(
        url,
        {
            "title": "山东省机器人产业高质量发展行动方案",
            "issuer": "省工信厅",
            "chains": [robot.pk],
            "org_kinds": ["enterprise"],
            "min_investment_wan": "500",
        },
    )
    assert ok.status_code == 302
    item = PolicyItem.objects.get()
    assert list(item.chains.all()) == [robot] and item.org_kinds == ["enterprise"]


def test_existing_supplies_become_records(supplier_org):
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    factories.SupplyFactory(menu=menu, supply_type="人才团队", title="具身智能算法团队")
    factories.SupplyFactory(menu=menu, supply_type="技术成果", title="力控算法", maturity="中试")
    factories.SupplyFactory(menu=menu, supply_type="资本", title="天使基金", price_wan=5000)
    factories.SupplyFactory(menu=menu, supply_type="产品", title="机械臂")
    # the bulk importer bypasses post_save: start from supplies without records, as the migration does
    for model in (TalentItem, AchievementItem, InvestorItem):
        model.objects.all().delete()
    created = records_from_supplies(Supply, TalentItem, AchievementItem, InvestorItem)
    assert created == {"talent": 1, "achievement": 1, "investor": 1}
    assert AchievementItem.objects.get().trl == 6
    assert TalentItem.objects.get().supply.title == "具身智能算法团队"
    assert list(InvestorItem.objects.get().chains.values_list("name", flat=True)) == ["机器人"]
    assert records_from_supplies(Supply, TalentItem, AchievementItem, InvestorItem) == {
        "talent": 0,
        "achievement": 0,
        "investor": 0,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_directory_list_query_count_is_constant(client, supplier_org, kind, django_assert_max_num_queries):
    def make(n, start=0):
        for i in range(start, start + n):
            org = supplier_org
            if kind == "talent":
                _talent(org, name=f"团队{i}")
            elif kind == "achievement":
                AchievementItem.objects.create(
                    title=f"成果{i}", organization=org, chain=factories.chain("碳化硅"), description="x", trl=5
                )
            elif kind == "investor":
                InvestorItem.objects.create(name=f"基金{i}", organization=org).chains.set([factories.chain("机器人")])
            elif kind == "policy":
                PolicyItem.objects.create(title=f"政策{i}", issuer="省政府").chains.set([factories.chain("机器人")])
            else:
                PlatformItem.objects.create(name=f"平台{i}", kind="lab", organization=org).chains.set(
                    [factories.chain("机器人")]
                )

    make(5)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("reports:directory_list", args=[kind]))
    make(45, start=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("reports:directory_list", args=[kind]))
    assert response.status_code == 200


def test_member_cannot_import_for_another_org_and_admin_must_name_one(client, supplier_user, other_org, platform_admin):
    header = ["姓名/团队名称", "类型", "所属单位", "研究方向", "产业链/环节", "合作意愿"]
    row = ["视觉团队", "团队", other_org.name, "3D视觉", "工业机器人", "兼职"]
    client.force_login(supplier_user)
    response = client.post(reverse("reports:directory_import", args=["talent"]), {"file": _upload([header, row])})
    assert "第2行: 只能录入本单位（北京智元协作机器人有限公司）的人才记录。" in response.content.decode()
    client.force_login(platform_admin)
    row[2] = ""
    response = client.post(reverse("reports:directory_import", args=["talent"]), {"file": _upload([header, row])})
    assert "第2行「所属单位」: 请选择所属单位。" in response.content.decode()
    assert not TalentItem.objects.exists()
    row[2] = other_org.name
    response = client.post(reverse("reports:directory_import", args=["talent"]), {"file": _upload([header, row])})
    assert response.status_code == 302 and TalentItem.objects.get().organization == other_org


def test_host_org_member_edits_its_platform_but_not_its_host(client, supplier_user, supplier_org, other_member):
    platform = PlatformItem.objects.create(name="北京协作机器人创新中心", kind="innovation", organization=supplier_org)
    url = reverse("reports:directory_edit", args=["platform", platform.pk])
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    client.force_login(supplier_user)
    page = client.get(url)
    assert page.status_code == 200 and 'name="organization"' not in page.text
    response = client.post(url, {"name": platform.name, "kind": "lab", "services": "力控测试"})
    assert response.status_code == 302
    platform.refresh_from_db()
    assert platform.kind == "lab" and platform.organization == supplier_org


def test_admin_changes_of_org_content_need_a_platform_admin(client, supplier_org, liaison, platform_admin):
    item = _talent(supplier_org)
    liaison.is_staff = True
    liaison.save()
    liaison.user_permissions.set(Permission.objects.filter(content_type__app_label="reports"))
    client.force_login(liaison)  # every Django permission on reports, still liaison staff
    url = reverse("admin:reports_talentitem_change", args=[item.pk])
    assert client.post(url, {"name": "改名"}).status_code == 403
    item.refresh_from_db()
    assert item.name == "先进功率器件团队"
    platform_admin.is_staff = platform_admin.is_superuser = True
    platform_admin.save()
    client.force_login(platform_admin)
    assert client.get(url).status_code == 200


def test_a_new_talent_supply_from_the_form_or_an_import_gets_its_directory_record(supplier_org, supplier_user):
    """catalog.services queues reports.tasks.supply_records_create for new 人才团队/技术成果/资本 supplies."""
    from catalog import services as catalog_services
    from portal.models import OutboxMessage
    from reports.tasks import supply_records_create

    menu = factories.SupplyMenuFactory(organization=supplier_org)
    data = {
        "title": "协作机器人力控算法团队",
        "description": "十余人的力控与柔顺装配算法团队，可驻场合作开发。",
        "chain": factories.chain("机器人"),
        "supply_type": "人才团队",
        "contact_name": "李老师",
        "contact_phone": "010-62345678",
    }
    supply = catalog_services.supply_create(menu=menu, user=supplier_user, data=data)
    message = OutboxMessage.objects.get(task_name="reports.tasks.supply_records_create")
    assert message.args == [[supply.pk]]
    supply_records_create(*message.args)  # what the worker runs
    supply_records_create(*message.args)  # delivered twice: still one record
    assert TalentItem.objects.get(supply=supply).name == "协作机器人力控算法团队"

"""Excel/Word intake as it really arrives (issue #12): title rows, merged two-row headers, column aliases,
several sheets, Word tables, the row preview with errors in place, the error-rows file, near-duplicates."""

import io
import zipfile

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organization
from catalog.importing import DEMAND_HEADERS, import_catalog_file
from catalog.models import Demand, DemandList, ImportJob, Supply, SupplyMenu
from matching import embeddings, engine
from matching.models import Embedding
from tests import factories
from tests.catalog.files import demand_row, demand_rows, supply_row

pytestmark = pytest.mark.django_db

ALIAS_HEADERS = [
    "序号",
    "项目名称",
    "具体需求",
    "所属产业链",
    "需求类型",
    "预算(万元)",
    "截止时间",
    "联系人",
    "手机",
    "所在地区",
]


def written():
    return (
        Demand.objects.count(),
        DemandList.objects.count(),
        Organization.objects.count(),
        Supply.objects.count(),
        SupplyMenu.objects.count(),
    )


def alias_row(n, **overrides):
    row = demand_row(n)
    values = [
        n,
        row["需求名称"],
        row["需求描述"],
        row["产业链"],
        row["需求类型"],
        row["预算（万元）"],
        row["截止日期"],
        row["联系人"],
        row["联系电话"],
        row["所在地区"],
    ]
    for index, value in overrides.items():
        values[index] = value
    return values


def title_row_workbook(rows, *, headers=None):
    """Row 1: a merged title over the whole width; row 2: a note; row 3: the header (as government templates have)."""
    headers = headers or DEMAND_HEADERS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "需求清单"
    sheet["A1"] = "2027年济宁市机器人产业需求清单"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A2"] = "填报说明：请逐项填写，带*为必填项。"
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    return save(workbook)


def save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_bytes(headers, rows, *, intro=True):
    document = docx.Document()
    if intro:
        document.add_paragraph("济宁市2027年机器人产业需求清单")
        other = document.add_table(rows=1, cols=2)  # a layout table that is not the list
        other.rows[0].cells[0].text, other.rows[0].cells[1].text = "填报单位", "济宁高新区管委会"
    table = document.add_table(rows=1, cols=len(headers))
    for cell, name in zip(table.rows[0].cells, headers, strict=True):
        cell.text = name
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(client, data, name):
    response = client.post(reverse("catalog:import"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk")


def page(client, job):
    response = client.get(reverse("catalog:import_job", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- header below title rows, two-row headers, aliases ---------------------------------------------


def test_title_rows_above_the_header_are_skipped_and_row_numbers_stay_the_sheets(platform_admin):
    report = import_catalog_file(
        io.BytesIO(title_row_workbook(demand_rows(2))), filename="济宁.xlsx", actor=platform_admin, dry_run=True
    )
    assert report.ok, report.errors
    assert report.kind == "demands" and report.total_rows == 2
    assert [r["number"] for r in report.preview["rows"]] == [4, 5]

    bad = title_row_workbook([demand_row(1), demand_row(2, 产业链="量子纠缠")])
    before = written()
    report = import_catalog_file(io.BytesIO(bad), filename="济宁.xlsx", actor=platform_admin)
    assert any(e.startswith("第5行「产业链」: 未知的产业链「量子纠缠」") for e in report.errors), report.errors
    assert written() == before


def test_alias_headers_are_mapped_and_the_mapping_is_shown(client, owner, park_org):
    client.force_login(owner)
    data = title_row_workbook([alias_row(1), alias_row(2)], headers=ALIAS_HEADERS)
    job = upload(client, data, "园区需求.xlsx")
    assert job.status == ImportJob.Status.VALIDATED, job.errors
    html = page(client, job)
    for source, target in (
        ("项目名称", "需求名称"),
        ("具体需求", "需求描述"),
        ("所属产业链", "产业链"),
        ("手机", "联系电话"),
    ):
        assert f"「{source}」→ {target}" in html
    assert "「预算(万元)」→ 预算（万元）" in html and "「截止时间」→ 截止日期" in html
    # No 清单名称 column: the merged title row names the list; no 发布单位: the member's own unit.
    assert "（未提供，取“2027年济宁市机器人产业需求清单”）" in html
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    demand = Demand.objects.get(title=demand_row(1)["需求名称"])
    assert demand.demand_list.name == "2027年济宁市机器人产业需求清单"
    assert demand.organization == park_org and demand.budget_wan == 200 and str(demand.deadline) == "2027-08-07"


def test_two_row_header_with_a_merged_group_cell():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2027年需求清单"])
    top = [
        "清单名称",
        "单位名称",
        "所在地区",
        "需求名称",
        "需求内容",
        "产业链",
        "需求类型",
        "预算（万元）",
        "截止日期",
        "联系方式",
        "",
    ]
    sub = ["", "", "", "", "", "", "", "", "", "联系人", "联系电话"]
    sheet.append(top)
    sheet.append(sub)
    sheet.merge_cells("J2:K2")  # 联系方式 over 联系人 / 联系电话
    for column in "ABCDEFGHI":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.append(list(demand_row(1).values()))
    report = import_catalog_file(io.BytesIO(save(workbook)), filename="two.xlsx", dry_run=True)
    assert report.ok, report.errors
    assert {"source": "联系人", "target": "联系人"} in report.mapping
    assert {"source": "联系电话", "target": "联系电话"} in report.mapping
    assert report.preview["rows"][0]["number"] == 4


def test_merged_cells_in_data_rows_are_still_refused():
    workbook = openpyxl.load_workbook(io.BytesIO(title_row_workbook(demand_rows(2))))
    workbook.active.merge_cells("B4:B5")
    before = written()
    report = import_catalog_file(io.BytesIO(save(workbook)), filename="m.xlsx", dry_run=False)
    assert "第4行「发布单位」: 有合并单元格 B4:B5" in report.errors[0]
    assert written() == before


def test_no_header_in_the_first_rows_is_explained_in_chinese():
    workbook = openpyxl.Workbook()
    for n in range(20):
        workbook.active.append([f"说明第{n}行"])
    workbook.active.append(DEMAND_HEADERS)
    report = import_catalog_file(io.BytesIO(save(workbook)), filename="x.xlsx")
    assert "前 15 行中无法识别表头" in report.errors[0] and "项目名称" in report.errors[0]


# --- several sheets --------------------------------------------------------------------------------


def multi_sheet_workbook():
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "填报说明"
    notes.append(["本文件包含需求与供给两张表。"])
    demands = workbook.create_sheet("需求")
    demands.append(DEMAND_HEADERS)
    for row in demand_rows(2):
        demands.append(list(row.values()))
    supplies = workbook.create_sheet("供给")
    supplies.append(list(supply_row(1).keys()))
    for n in (1, 2, 3):
        supplies.append(list(supply_row(n).values()))
    return save(workbook)


def test_multi_sheet_workbook_lists_sheets_and_lets_the_user_pick(client, platform_admin):
    client.force_login(platform_admin)
    job = upload(client, multi_sheet_workbook(), "合集.xlsx")
    assert job.status == ImportJob.Status.VALIDATED and job.kind == "demands" and job.total_rows == 2
    html = page(client, job)
    assert "填报说明" in html and "未识别出表头" in html
    assert "改为导入此表" in html and "供给菜单" in html
    response = client.post(reverse("catalog:import_options", args=[job.pk]), {"sheet": "供给"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.kind == "supplies" and job.total_rows == 3
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert Supply.objects.count() == 3 and Demand.objects.count() == 0


def test_picking_a_missing_or_unreadable_sheet_writes_nothing(platform_admin):
    before = written()
    report = import_catalog_file(io.BytesIO(multi_sheet_workbook()), filename="a.xlsx", sheet="不存在")
    assert report.errors == ["文件中没有名为「不存在」的工作表（有：「填报说明」、「需求」、「供给」）。"]
    report = import_catalog_file(io.BytesIO(multi_sheet_workbook()), filename="a.xlsx", sheet="填报说明")
    assert "工作表「填报说明」中无法识别表头" in report.errors[0]
    assert written() == before


def test_anonymous_cannot_use_the_new_pages(client, owner):
    client.force_login(owner)
    job = upload(client, multi_sheet_workbook(), "合集.xlsx")
    client.logout()
    for response in (
        client.post(reverse("catalog:import_options", args=[job.pk]), {"sheet": "供给"}),
        client.get(reverse("catalog:import_errors", args=[job.pk])),
    ):
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    job.refresh_from_db()
    assert job.kind == "demands"


def test_other_peoples_job_options_are_404(client, owner, other_member):
    client.force_login(owner)
    job = upload(client, multi_sheet_workbook(), "合集.xlsx")
    client.force_login(other_member)
    assert client.post(reverse("catalog:import_options", args=[job.pk]), {"sheet": "供给"}).status_code == 404
    assert client.get(reverse("catalog:import_errors", args=[job.pk])).status_code == 404


# --- Word tables -----------------------------------------------------------------------------------


def test_docx_table_is_imported_with_the_mapping_shown(client, owner, park_org):
    client.force_login(owner)
    headers = [
        "序号",
        "需求名称",
        "需求描述",
        "产业链",
        "需求类型",
        "投资额（万元）",
        "截止日期",
        "联系人",
        "联系电话",
        "所在地区",
    ]
    data = docx_bytes(headers, [alias_row(1), alias_row(2)])
    job = upload(client, data, "需求清单.docx")
    assert job.status == ImportJob.Status.VALIDATED, job.errors
    html = page(client, job)
    assert "「投资额（万元）」→ 预算（万元）" in html and "表格2" in html
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert Demand.objects.filter(organization=park_org).count() == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "这是旧版 .doc 格式"),
        (b"just text, renamed", "文件内容不是 Word 文档"),
    ],
)
def test_bad_word_uploads_are_refused_before_saving(client, owner, data, expected):
    client.force_login(owner)
    response = client.post(reverse("catalog:import"), {"file": SimpleUploadedFile("x.docx", data)})
    assert response.status_code == 200 and expected in response.content.decode()
    assert not ImportJob.objects.exists()


def test_word_without_a_list_table_and_word_zip_bomb_write_nothing(settings):
    before = written()
    document = docx.Document()
    document.add_paragraph("只有文字，没有表格。")
    buffer = io.BytesIO()
    document.save(buffer)
    report = import_catalog_file(io.BytesIO(buffer.getvalue()), filename="a.docx")
    assert report.errors[0].startswith("Word 文件中没有表格")

    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"0" * (5 * 1024 * 1024))
    report = import_catalog_file(io.BytesIO(bomb.getvalue()), filename="bomb.docx")
    assert "疑似压缩炸弹" in report.errors[0]

    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.txt", "x")
    report = import_catalog_file(io.BytesIO(plain.getvalue()), filename="z.docx")
    assert "这是一个压缩包，但不是 Word 文档" in report.errors[0]
    assert written() == before


# --- row preview, error file, skipping invalid rows ---------------------------------------------------


def test_preview_shows_rows_with_errors_in_place_and_the_error_file_reimports(client, platform_admin):
    client.force_login(platform_admin)
    rows = [demand_row(1), demand_row(2, 产业链="量子纠缠"), demand_row(3, **{"预算（万元）": "很多"})]
    job = upload(client, title_row_workbook(rows), "清单.xlsx")
    assert job.status == ImportJob.Status.FAILED
    html = page(client, job)
    assert 'id="preview-row-4"' in html and 'id="preview-row-6"' in html
    assert "第5行「产业链」：未知的产业链「量子纠缠」" in html and "table-danger" in html
    assert "第6行「预算（万元）」：「很多」不是有效的数字" in html
    assert "下载 2 行错误行" in html
    assert written()[0] == 0

    response = client.get(reverse("catalog:import_errors", args=[job.pk]))
    assert response.status_code == 200 and "%E9%94%99%E8%AF%AF%E8%A1%8C.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header == DEMAND_HEADERS + ["错误说明"]
    assert sheet.max_row == 3
    assert "未知的产业链" in sheet.cell(row=2, column=12).value
    assert sheet.cell(row=2, column=4).value == demand_row(2)["需求名称"]

    # Fix the two rows in the downloaded file and import it again (the 错误说明 column is ignored).
    sheet.cell(row=2, column=6).value = "机器人"
    sheet.cell(row=3, column=8).value = 300
    fixed = upload(client, save(workbook), "清单-错误行.xlsx")
    assert fixed.status == ImportJob.Status.VALIDATED, fixed.errors
    client.post(reverse("catalog:import_confirm", args=[fixed.pk]))
    assert Demand.objects.count() == 2
    assert Demand.objects.get(title=demand_row(3)["需求名称"]).budget_wan == 300


def test_skipping_invalid_rows_imports_the_rest(client, platform_admin):
    client.force_login(platform_admin)
    rows = [demand_row(1), demand_row(2, 产业链="量子纠缠"), demand_row(3)]
    job = upload(client, title_row_workbook(rows), "清单.xlsx")
    assert "跳过这 1 行，先导入其余 2 行" in page(client, job)
    client.post(reverse("catalog:import_options", args=[job.pk]), {"skip_invalid": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED
    assert "已跳过 1 行有问题的行" in page(client, job)
    client.post(reverse("catalog:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert sorted(Demand.objects.values_list("title", flat=True)) == [
        demand_row(1)["需求名称"],
        demand_row(3)["需求名称"],
    ]


def test_file_level_problems_offer_no_skip_and_write_nothing(client, platform_admin):
    client.force_login(platform_admin)
    data = title_row_workbook(demand_rows(1), headers=[h for h in DEMAND_HEADERS if h != "需求描述"])
    job = upload(client, data, "缺列.xlsx")
    assert job.status == ImportJob.Status.FAILED
    html = page(client, job)
    assert "第3行（表头）: 需求清单缺少列「需求描述」" in html and "跳过这" not in html
    assert client.post(reverse("catalog:import_options", args=[job.pk]), {"skip_invalid": "1"}).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and written()[0] == 0


# --- templates with drop-downs ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["demands", "supplies"])
def test_template_has_drop_downs_and_imports_as_downloaded(client, platform_admin, kind):
    response = client.get(reverse("catalog:import_template", args=[kind]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    validations = {str(v.sqref).split(":")[0][0]: v for v in sheet.data_validations.dataValidation}
    assert validations["F"].type == "list" and validations["F"].formula1.startswith("=选项!$A$1")
    assert validations["G"].type == "list"
    options = workbook["选项"]
    assert options.sheet_state == "hidden" and options["A1"].value
    if kind == "demands":
        assert validations["I"].type == "date"
    client.force_login(platform_admin)
    job = upload(client, response.content, "模板.xlsx")
    assert job.status == ImportJob.Status.VALIDATED and job.total_rows == 1, job.errors


# --- near-duplicates at intake ---------------------------------------------------------------------


@pytest.fixture
def hashing_backend():
    """The matcher's test backend (no model download); vectors are stored as the matcher stores them."""
    embeddings.set_backend(embeddings.HashingBackend())
    yield embeddings.get_backend()
    embeddings.set_backend(None)


def store_vectors(*demands):
    """What the matcher does after a demand is saved: encode need_text as a query, cache it in Embedding."""
    embeddings.encode([engine.need_text(d.title, d.description) for d in demands], kind="query")


@pytest.fixture
def other_units_demand(other_org):
    return factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=other_org, name="青岛市需求清单（2027）"),
        title="汽车零部件柔性装配协作机器人",
        description="园区内汽车零部件企业需要在装配线上引入协作机器人，实现视觉引导的柔性装配，节拍不低于每分钟6件。",
    )


def resent_copy(title="汽车零部件柔性装配协作机器人", **overrides):
    return demand_row(1, 需求名称=title, 需求描述=overrides.pop("需求描述", demand_row(1)["需求描述"]), **overrides)


def test_copy_of_another_units_demand_is_flagged_with_a_link_and_skip_works(client, owner, other_units_demand):
    client.force_login(owner)
    job = upload(
        client, title_row_workbook([resent_copy("汽车零部件 柔性装配协作机器人（2027年）"), demand_row(2)]), "a.xlsx"
    )
    assert job.status == ImportJob.Status.VALIDATED, job.errors
    html = page(client, job)
    assert 'id="duplicate-4"' in html and 'id="duplicate-5"' not in html
    assert reverse("catalog:demand_detail", args=[other_units_demand.pk]) in html
    assert "名称相同（青岛西海岸新区管委会已发布）" in html
    assert 'name="dup_4" value="skip" checked' in html
    assert 'name="dup_4" value="update"' not in html  # another unit's demand: never editable
    before = Demand.objects.count()
    client.post(reverse("catalog:import_confirm", args=[job.pk]), {"dup_4": "skip"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert Demand.objects.count() == before + 1
    assert not Demand.objects.filter(
        organization__name="济宁高新区管委会", title__contains="柔性装配协作机器人"
    ).exists()
    assert "按您的选择跳过了 1 行" in page(client, job)


def test_keep_imports_the_copy_as_new_and_update_of_another_units_item_is_refused(client, owner, other_units_demand):
    client.force_login(owner)
    job = upload(client, title_row_workbook([resent_copy()]), "a.xlsx")
    # A forged "update" for an item the member may not edit is treated as keep; the other unit's row is untouched.
    client.post(reverse("catalog:import_confirm", args=[job.pk]), {"dup_4": "update"})
    other_units_demand.refresh_from_db()
    assert other_units_demand.demand_list.name == "青岛市需求清单（2027）"
    copy = Demand.objects.exclude(pk=other_units_demand.pk).get(title="汽车零部件柔性装配协作机器人")
    assert copy.organization.name == "济宁高新区管委会"


def test_update_changes_the_units_own_item_from_last_years_list(client, owner, park_org):
    old = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, name="济宁市需求清单（2026）", year=2026),
        title="汽车零部件柔性装配协作机器人（2026年）",
    )
    client.force_login(owner)
    job = upload(
        client,
        title_row_workbook([resent_copy(需求描述="今年节拍要求提高到每分钟8件，需要视觉引导的协作机器人。")]),
        "a.xlsx",
    )
    html = page(client, job)
    assert "（本单位已有）" in html and 'name="dup_4" value="update"' in html
    count = Demand.objects.count()
    client.post(reverse("catalog:import_confirm", args=[job.pk]), {"dup_4": "update"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.errors
    assert Demand.objects.count() == count
    old.refresh_from_db()
    assert old.title == "汽车零部件柔性装配协作机器人" and "每分钟8件" in old.description


def test_reworded_copy_is_found_by_the_stored_embeddings(settings, platform_admin, other_units_demand, hashing_backend):
    settings.IMPORT_DUPLICATE_SIMILARITY = 0.8
    store_vectors(other_units_demand)
    stored = Embedding.objects.count()
    rows = [
        resent_copy("汽车零部件柔性装配协作机器人应用项目"),
        demand_row(
            2,
            需求名称="文旅景区智慧导览",
            需求描述="景区需要多语种语音讲解和分时预约系统，覆盖十个主要景点，支持手机扫码收听。",
        ),
    ]
    report = import_catalog_file(
        io.BytesIO(title_row_workbook(rows)), filename="a.xlsx", actor=platform_admin, dry_run=True
    )
    assert report.ok, report.errors
    assert [d["number"] for d in report.duplicates] == [4]
    assert report.duplicates[0]["reason"].startswith("内容相似度") and not report.duplicates[0]["exact"]
    assert Embedding.objects.count() == stored  # intake encodes in memory, writes nothing


def test_without_the_model_exact_copies_are_still_flagged(
    monkeypatch, platform_admin, other_units_demand, hashing_backend
):
    store_vectors(other_units_demand)

    def unavailable():
        raise embeddings.ModelUnavailable("模型不可用")

    monkeypatch.setattr(embeddings, "get_backend", unavailable)
    rows = [
        resent_copy("汽车零部件柔性装配协作机器人"),
        resent_copy(
            "汽车零部件柔性装配协作机器人应用项目",
            需求描述="另一条完全不同的描述：园区仓储需要自动导引车搬运料箱，日均三千箱。",
        ),
    ]
    rows[1]["需求名称"] = "汽车零部件柔性装配协作机器人应用项目"
    report = import_catalog_file(
        io.BytesIO(title_row_workbook(rows)), filename="a.xlsx", actor=platform_admin, dry_run=True
    )
    assert report.ok, report.errors
    assert [(d["number"], d["exact"]) for d in report.duplicates] == [(4, True)]


def test_a_draft_of_another_unit_is_not_revealed(client, owner, other_org):
    factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=other_org, status=DemandList.Status.DRAFT),
        title="汽车零部件柔性装配协作机器人",
    )
    client.force_login(owner)
    job = upload(client, title_row_workbook([resent_copy()]), "a.xlsx")
    assert 'id="duplicates"' not in page(client, job)

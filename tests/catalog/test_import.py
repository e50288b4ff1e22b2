"""The importer (catalog.importing.import_catalog_file): every bad input names its problem and writes nothing."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest

from accounts.models import Organization
from catalog.importing import DEMAND_HEADERS, SUPPLY_HEADERS, import_catalog_file, parse_amount, parse_date
from catalog.models import Demand, DemandList, IndustryChain, Supply, SupplyMenu
from portal.models import OutboxMessage
from tests import factories
from tests.catalog.files import MATCHBENCH_DIR, csv_bytes, demand_row, demand_rows, supply_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def db_counts():
    return (
        Demand.objects.count(),
        Supply.objects.count(),
        Organization.objects.count(),
        DemandList.objects.count(),
        SupplyMenu.objects.count(),
    )


def run(data, filename="list.csv", **kwargs):
    return import_catalog_file(io.BytesIO(data), filename=filename, **kwargs)


def assert_rejected(report, expected, before):
    assert not report.ok
    assert any(expected in error for error in report.errors), report.errors
    assert db_counts() == before, "a rejected file must write nothing"


# --- happy paths ---------------------------------------------------------------------------------


def test_matchbench_dev_files_import_cleanly():
    for name, model, expected in (("demands.csv", Demand, 20), ("supplies.csv", Supply, 92)):
        with open(f"{MATCHBENCH_DIR}/{name}", "rb") as handle:
            report = import_catalog_file(handle, filename=name)
        assert report.ok, report.errors[:5]
        assert report.counts["created"] == expected
        assert model.objects.count() == expected
    assert Organization.objects.filter(is_verified=False).count() == Organization.objects.count()
    assert not Demand.objects.filter(search_tokens="").exists()


def test_valid_csv_creates_list_items_and_org_and_queues_matching():
    report = run(csv_bytes(demand_rows(3)))
    assert report.ok and report.kind == "demands"
    assert report.counts == {
        "rows": 3,
        "lists": 1,
        "lists_created": 1,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "organizations_created": 1,
    }
    org = Organization.objects.get(name="济宁高新区管委会")
    assert org.kind == Organization.Kind.PARK and not org.is_verified
    assert org.region.full_name == "山东省济宁市任城区"
    demand_list = DemandList.objects.get()
    assert demand_list.status == DemandList.Status.COLLECTING and demand_list.year == 2027
    demand = Demand.objects.get(title="协作机器人柔性装配需求1")
    assert demand.budget_wan == Decimal("200.00") and demand.deadline == datetime.date(2027, 8, 7)
    assert " 机器人 " in demand.search_tokens
    assert sorted(report.demand_ids) == sorted(Demand.objects.values_list("id", flat=True))
    message = OutboxMessage.objects.get(task_name="matching.tasks.refresh_items")
    assert sorted(message.args[0]) == sorted(report.demand_ids) and message.args[1] == []


def test_dry_run_counts_but_writes_nothing():
    before = db_counts()
    report = run(csv_bytes(demand_rows(4)), dry_run=True)
    assert report.ok and report.counts["created"] == 4 and report.counts["organizations_created"] == 1
    assert "将新增 4 条，更新 0 条，未变化 0 条。" in report.summary_lines()
    assert db_counts() == before
    assert not OutboxMessage.objects.exists()


def test_reimport_updates_in_place_without_duplicates():
    rows = demand_rows(5)
    run(csv_bytes(rows))
    ids = set(Demand.objects.values_list("id", flat=True))
    rows[2]["需求描述"] = "改写后的描述：需要协作机器人完成精密装配。"
    rows[4]["预算（万元）"] = "260"
    report = run(csv_bytes(rows))
    assert report.ok
    assert report.counts["created"] == 0 and report.counts["updated"] == 2 and report.counts["unchanged"] == 3
    assert report.counts["lists_created"] == 0 and report.counts["organizations_created"] == 0
    assert set(Demand.objects.values_list("id", flat=True)) == ids
    assert Demand.objects.get(title="协作机器人柔性装配需求3").description.startswith("改写后的描述")
    assert Demand.objects.get(title="协作机器人柔性装配需求5").budget_wan == Decimal("260")
    assert DemandList.objects.count() == 1 and Organization.objects.count() == 1
    # Only the changed rows are queued for re-matching the second time.
    second = OutboxMessage.objects.filter(task_name="matching.tasks.refresh_items").order_by("-id").first()
    assert len(second.args[0]) == 2


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_and_without_bom(bom):
    report = run(csv_bytes(demand_rows(2), bom=bom))
    assert report.ok, report.errors
    assert Demand.objects.count() == 2


def test_gbk_csv_is_decoded_and_said_so():
    report = run(csv_bytes(demand_rows(2), encoding="gbk"))
    assert report.ok, report.errors
    assert any("GBK" in note for note in report.notes)
    assert Demand.objects.filter(title="协作机器人柔性装配需求1").exists()


def test_xlsx_with_excel_date_and_number_cells():
    rows = demand_rows(3)
    rows[0]["截止日期"] = datetime.datetime(2027, 8, 7)
    rows[1]["截止日期"] = "2027年8月7日"
    rows[2]["截止日期"] = "2027/8/7"
    rows[0]["预算（万元）"] = 85.5
    rows[1]["联系电话"] = 13940096476
    report = run(xlsx_bytes(rows), filename="list.xlsx")
    assert report.ok, report.errors
    assert set(Demand.objects.values_list("deadline", flat=True)) == {datetime.date(2027, 8, 7)}
    assert Demand.objects.get(title="协作机器人柔性装配需求1").budget_wan == Decimal("85.50")
    assert Demand.objects.get(title="协作机器人柔性装配需求2").contact_phone == "13940096476"


@pytest.mark.parametrize("text", ["2027-08-07", "2027/8/7", "2027年8月7日", "2027.8.7", "2027-08-07 00:00:00", 46606])
def test_date_formats(text):
    assert parse_date(text) == datetime.date(2027, 8, 7)


@pytest.mark.parametrize(
    "text,expected", [("1,200", "1200.00"), ("120万", "120.00"), ("８５.５", "85.50"), (42, "42.00")]
)
def test_amount_formats(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_chain_aliases_and_segments_are_accepted():
    rows = [demand_row(1, 产业链="人工智能"), demand_row(2, 产业链="协作机器人"), demand_row(3, 产业链="工业互联网")]
    report = run(csv_bytes(rows))
    assert report.ok, report.errors
    assert Demand.objects.get(title="协作机器人柔性装配需求1").chain.name == "人工智能与算力"
    assert Demand.objects.get(title="协作机器人柔性装配需求2").chain == IndustryChain.objects.get(name="协作机器人")
    assert Demand.objects.get(title="协作机器人柔性装配需求3").chain.name == "工业互联网/智能制造"


def test_new_organisation_kinds():
    demands = [demand_row(1, 发布单位="济宁市工业和信息化局"), demand_row(2, 发布单位="青岛经济技术开发区管委会")]
    supplies = [
        supply_row(1, 供给单位="北京理工大学"),
        supply_row(2, 供给单位="中科院自动化研究所"),
        supply_row(3, 供给单位="北京某某科技有限公司"),
    ]
    assert run(csv_bytes(demands)).ok
    assert run(csv_bytes(supplies)).ok
    kinds = dict(Organization.objects.values_list("name", "kind"))
    assert kinds == {
        "济宁市工业和信息化局": Organization.Kind.GOVERNMENT,
        "青岛经济技术开发区管委会": Organization.Kind.PARK,
        "北京理工大学": Organization.Kind.UNIVERSITY,
        "中科院自动化研究所": Organization.Kind.UNIVERSITY,
        "北京某某科技有限公司": Organization.Kind.ENTERPRISE,
    }
    assert SupplyMenu.objects.filter(status=SupplyMenu.Status.PUBLISHED).count() == 3


def test_blank_lines_are_skipped_and_row_numbers_stay_the_sheets():
    rows = [list(demand_row(1).values()), ["", "", ""], list(demand_row(2, 产业链="不存在的链").values())]
    report = run(csv_bytes(rows, headers=DEMAND_HEADERS))
    assert report.errors[0].startswith("第4行「产业链」")


# --- bad input: each names the problem and writes nothing ---------------------------------------------


def _renamed(headers, old, new):
    return [new if h == old else h for h in headers]


BAD_CSV_CASES = {
    "wrong header": (
        csv_bytes(demand_rows(1), headers=_renamed(DEMAND_HEADERS, "需求名称", "需求标题")),
        "第1行（表头）: 需求清单缺少列「需求名称」",
    ),
    "missing required column": (
        csv_bytes([{k: v for k, v in demand_row(1).items() if k != "联系电话"}], headers=DEMAND_HEADERS[:-1]),
        "缺少列「联系电话」",
    ),
    "unrecognisable header": (b"name,title,text\nx,y,z\n", "无法识别表头"),
    "empty file": (b"", "文件是空的：没有表头也没有数据。"),
    "whitespace only": (b"\xef\xbb\xbf\r\n  \r\n", "文件是空的"),
    "header only": (csv_bytes([]), "文件只有表头，没有数据行。"),
    "extra cell in a row": (
        csv_bytes([list(demand_row(1).values()) + ["多余内容"]], headers=DEMAND_HEADERS),
        "第2行「第12列（L列）」: 表头之外多出内容「多余内容」",
    ),
    "invalid number": (
        csv_bytes([demand_row(1, **{"预算（万元）": "很多"})]),
        "第2行「预算（万元）」: 「很多」不是有效的数字",
    ),
    "negative number": (csv_bytes([demand_row(1, **{"预算（万元）": "-5"})]), "第2行「预算（万元）」: 金额不能为负数"),
    "invalid date": (
        csv_bytes([demand_row(1, 截止日期="2027-13-45")]),
        "第2行「截止日期」: 「2027-13-45」不是有效的日期",
    ),
    "text date": (csv_bytes([demand_row(1, 截止日期="明年八月")]), "第2行「截止日期」: 「明年八月」不是有效的日期"),
    "description too long": (
        csv_bytes([demand_row(1, 需求描述="长" * 5001)]),
        "第2行「需求描述」: 描述过长：不能超过 5000 个字符（当前 5001 个）。",
    ),
    "title too long": (
        csv_bytes([demand_row(1, 需求名称="名" * 201)]),
        "第2行「需求名称」: 内容过长：不能超过 200 个字符",
    ),
    "duplicate title in one list": (
        csv_bytes([demand_row(1), demand_row(2), demand_row(1)]),
        "第4行「需求名称」: 与第2行重复：同一需求清单内需求名称「协作机器人柔性装配需求1」不能重复。",
    ),
    "unknown chain": (
        csv_bytes([demand_row(1, 产业链="量子纠缠")]),
        "第2行「产业链」: 未知的产业链「量子纠缠」。可选值：新一代信息技术、高分子材料",
    ),
    "unknown type": (
        csv_bytes([demand_row(1, 需求类型="买东西")]),
        "第2行「需求类型」: 未知的需求类型「买东西」。可选值：技术攻关、设备采购、解决方案、人才引进、投融资、合作研发、服务外包。",
    ),
    "unknown supply type": (
        csv_bytes([supply_row(1, 供给类型="卖东西")]),
        "第2行「供给类型」: 未知的供给类型「卖东西」。可选值：产品、技术成果",
    ),
    "required field empty": (csv_bytes([demand_row(1, 联系人="")]), "第2行「联系人」: 不能为空。"),
    "required list name empty": (csv_bytes([demand_row(1, 清单名称="  ")]), "第2行「清单名称」: 不能为空。"),
    "bad region": (csv_bytes([demand_row(1, 所在地区="火星基地")]), "第2行「所在地区」: 无法识别地区「火星基地」"),
    "binary renamed .csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "文件不是有效的 CSV 文本文件"),
    "xlsx renamed .csv": (xlsx_bytes(demand_rows(1)), "这是一个 Excel 文件，请把扩展名改为 .xlsx"),
    "undecodable text": (b"\xff\xfe\xfa,\xff\n" * 3, "无法识别文件编码"),
    "huge csv cell": (csv_bytes([demand_row(1, 需求描述="长" * 200_000)]), "CSV 格式错误或单元格内容过长"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV_CASES))
def test_bad_csv_is_rejected_with_its_message(case):
    data, expected = BAD_CSV_CASES[case]
    before = db_counts()
    assert_rejected(run(data), expected, before)


def test_one_bad_row_among_many_writes_nothing():
    factories.OrganizationFactory(name="济宁高新区管委会")
    before = db_counts()
    rows = demand_rows(30)
    rows[17]["截止日期"] = "2027-02-30"
    report = run(csv_bytes(rows))
    assert report.errors == [
        "第19行「截止日期」: 「2027-02-30」不是有效的日期：请写成 2027-08-07、2027/8/7 或 2027年8月7日。"
    ]
    assert db_counts() == before


def test_every_problem_is_listed_not_just_the_first():
    rows = [demand_row(1, 产业链="无"), demand_row(2, 需求类型="无"), demand_row(3, 联系电话="")]
    report = run(csv_bytes(rows))
    assert [e.split(":")[0] for e in report.errors] == ["第2行「产业链」", "第3行「需求类型」", "第4行「联系电话」"]


BINARY = bytes(range(256)) * 8


@pytest.mark.parametrize(
    "data,expected",
    [
        (BINARY, "文件不是有效的 Excel（.xlsx）文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "这是旧版 .xls 格式"),
        (b"PK\x03\x04" + bytes(100), "文件不是有效的 Excel（.xlsx）文件"),
        (csv_bytes(demand_rows(1)), "文件不是有效的 Excel（.xlsx）文件"),
    ],
)
def test_non_xlsx_renamed_xlsx_is_rejected(data, expected):
    before = db_counts()
    assert_rejected(run(data, filename="list.xlsx"), expected, before)


def test_plain_zip_renamed_xlsx_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    before = db_counts()
    assert_rejected(run(buffer.getvalue(), filename="list.xlsx"), "这是一个压缩包，但不是 Excel 工作簿", before)


def test_zip_bomb_is_refused_before_inflating(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\x00" * (1 << 20)
            for _ in range(30):  # 30 MB of zeros in about 30 KB: a thousandfold expansion
                member.write(chunk)
    assert len(buffer.getvalue()) < 100_000
    before = db_counts()
    assert_rejected(run(buffer.getvalue(), filename="bomb.xlsx"), "疑似压缩炸弹", before)


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololololololololololololol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(2, 10)).replace(
        b"&lol1;", b"&lol;"
    )
    + b"]>"
)


def test_xml_entity_bomb_inside_xlsx_is_refused():
    data = xlsx_bytes(demand_rows(1))
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = ENTITY_BOMB + content.replace(b"<t>", b"<t>&lol9;", 1)
            target.writestr(info, content)
    before = db_counts()
    assert_rejected(run(out.getvalue(), filename="lol.xlsx"), "含有不安全的 XML 结构", before)


def test_merged_cells_are_named():
    def merge(sheet):
        sheet.merge_cells("A2:A3")

    before = db_counts()
    report = run(xlsx_bytes(demand_rows(2), edit=merge), filename="merged.xlsx")
    assert_rejected(
        report, "第2行「清单名称」: 有合并单元格 A2:A3：请取消合并，并在每一行填写完整内容后再导入。", before
    )


def test_formula_cells_are_refused():
    def formula(sheet):
        sheet["H2"] = "=100+100"

    before = db_counts()
    report = run(xlsx_bytes(demand_rows(1), edit=formula), filename="formula.xlsx")
    assert_rejected(report, "第2行「预算（万元）」: 不支持公式「=100+100」", before)


def test_empty_workbook_and_header_only_workbook():
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    before = db_counts()
    assert_rejected(run(buffer.getvalue(), filename="empty.xlsx"), "文件是空的", before)
    assert_rejected(
        run(xlsx_bytes([], headers=SUPPLY_HEADERS), filename="header.xlsx"), "文件只有表头，没有数据行。", before
    )


def test_huge_xlsx_cell_is_reported_not_stored():
    before = db_counts()
    report = run(xlsx_bytes([demand_row(1, 需求描述="长" * 30_000)]), filename="huge.xlsx")
    assert_rejected(report, "第2行「需求描述」: 描述过长：不能超过 5000 个字符（当前 30000 个）。", before)


def test_row_limit(settings):
    settings.IMPORT_MAX_ROWS = 5
    before = db_counts()
    assert_rejected(run(csv_bytes(demand_rows(6))), "文件超过 5 行数据的上限", before)


def test_unsupported_extension():
    before = db_counts()
    assert_rejected(run(csv_bytes(demand_rows(1)), filename="list.txt"), "只支持 Excel（.xlsx）、Word（.docx", before)


def test_hostile_dimension_does_not_blow_up():
    """A sheet claiming A1:XFD1048576 is read by its real cells, not its declared size."""
    data = xlsx_bytes(demand_rows(2))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', content)
                assert b"XFD1048576" in content
            target.writestr(info, content)
    report = run(out.getvalue(), filename="dim.xlsx")
    assert report.ok, report.errors
    assert report.total_rows == 2


# --- who may import what ---------------------------------------------------------------------------


def test_member_imports_own_org_rows_as_published_lists(owner, park_org):
    report = run(csv_bytes(demand_rows(2)), actor=owner)
    assert report.ok, report.errors
    assert DemandList.objects.get().organization == park_org
    assert DemandList.objects.get().status == DemandList.Status.COLLECTING
    assert Organization.objects.count() == 1


def test_member_cannot_import_rows_of_another_org(owner):
    before = db_counts()
    rows = [demand_row(1), demand_row(2, 发布单位="青岛西海岸新区管委会")]
    report = run(csv_bytes(rows), actor=owner)
    assert_rejected(
        report,
        "第3行「发布单位」: 您只能导入本单位「济宁高新区管委会」的需求，不能填写「青岛西海岸新区管委会」。",
        before,
    )


def test_unverified_org_member_gets_drafts(unverified_member, unverified_org):
    rows = [supply_row(1, 供给单位=unverified_org.name)]
    report = run(csv_bytes(rows), actor=unverified_member)
    assert report.ok, report.errors
    assert SupplyMenu.objects.get().status == SupplyMenu.Status.DRAFT


def test_user_without_org_cannot_import(db):
    user = factories.UserFactory()
    before = db_counts()
    assert_rejected(run(csv_bytes(demand_rows(1)), actor=user), "您还没有加入任何单位", before)


def test_platform_admin_may_create_organisations(platform_admin):
    report = run(csv_bytes([demand_row(1, 发布单位="烟台市工业和信息化局", 所在地区="烟台市")]), actor=platform_admin)
    assert report.ok, report.errors
    org = Organization.objects.get(name="烟台市工业和信息化局")
    assert not org.is_verified and org.kind == Organization.Kind.GOVERNMENT
    assert DemandList.objects.get().created_by == platform_admin


def test_liaison_may_neither_create_organisations_nor_write_for_one(liaison, park_org):
    """Liaison staff never edit an organisation's content, also not through an import (row errors)."""
    before = db_counts()
    rows = [demand_row(1, 发布单位="烟台市工业和信息化局", 所在地区="烟台市"), demand_row(2, 发布单位=park_org.name)]
    report = run(csv_bytes(rows), actor=liaison)
    assert_rejected(report, "第2行「发布单位」: 系统中没有名为「烟台市工业和信息化局」的单位", before)
    assert f"第3行「发布单位」: 您不能为「{park_org.name}」新增或修改需求" in report.errors[1]


# --- cancellation ---------------------------------------------------------------------------------------


def test_cancel_in_the_middle_of_writing_rolls_everything_back():
    before = db_counts()
    calls = []

    def should_cancel():
        calls.append(1)
        return len(calls) > 6  # 2 checks while validating 1,200 rows, 3 while preparing, then 1 write batch goes in

    report = run(csv_bytes(demand_rows(1200)), should_cancel=should_cancel)
    assert report.cancelled and not report.ok
    assert len(calls) == 7
    assert db_counts() == before
    assert not OutboxMessage.objects.exists()


def test_member_whose_membership_ended_cannot_import_for_that_org(owner, park_org):
    owner.memberships.update(status="rejected")
    before = db_counts()
    report = run(csv_bytes(demand_rows(1)), actor=owner, organization=park_org)
    assert_rejected(report, "您还没有加入任何单位（或加入申请尚未通过），不能导入。", before)

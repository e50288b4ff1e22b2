"""A corpus of malformed and hostile uploads through the real pages: the import page and the bid
attachment upload. Each one gets a clear Chinese message and writes nothing (no catalogue rows,
no bids, no stored attachment); accepted text is escaped on pages and neutralised in exports.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from accounts.models import Organization
from bidding.models import Bid, BidAttachment
from catalog.models import Demand, DemandList, ImportJob, Supply
from tests.bidding.factories import EXE_BYTES, PDF_BYTES, PNG_BYTES
from tests.catalog.files import csv_bytes, demand_row, demand_rows, xlsx_bytes

pytestmark = pytest.mark.django_db

ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 300
OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
FORMULA = "=cmd|' /C calc'!A0"
SCRIPT_TITLE = '<script>alert("x")</script>机器人需求'


def zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(30):  # 30 MB of zeros in ~30 KB
                member.write(b"\x00" * (1 << 20))
    return buffer.getvalue()


def rewritten_xlsx(data, member, change):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == member else content)
    return out.getvalue()


def declared_million_rows():
    """Two real rows, but the sheet declares A1:K1048576 and a million empty <row> elements' worth of range."""
    import re

    return rewritten_xlsx(
        xlsx_bytes(demand_rows(2)),
        "xl/worksheets/sheet1.xml",
        lambda c: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:K1048576"', c),
    )


def entity_bomb():
    """Billion laughs inside the sheet XML: 10^9 expansions if a parser resolved entities."""
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lololololololololololololololololololol">'
        + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10))
        + b"]>"
    )
    return rewritten_xlsx(
        xlsx_bytes(demand_rows(1)),
        "xl/worksheets/sheet1.xml",
        lambda c: doctype + c.split(b"?>", 1)[-1].replace(b"<t>", b"<t>&lol9;", 1),
    )


def polyglot_pdf_zip():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return PDF_BYTES + archive.getvalue()


def catalogue_rows():
    return (Demand.objects.count(), Supply.objects.count(), DemandList.objects.count(), Organization.objects.count())


# (file name, bytes or a builder, a phrase of the message the person must see)
IMPORT_CORPUS = [
    ("炸弹.xlsx", zip_bomb, "疑似压缩炸弹"),
    ("实体炸弹.xlsx", entity_bomb, "含有不安全的 XML 结构"),
    ("setup.xlsx", EXE_BYTES, "不是有效的 Excel"),  # a PE executable renamed
    ("linux.csv", ELF_BYTES, "二进制内容"),  # an ELF binary renamed
    ("截断.xlsx", lambda: xlsx_bytes(demand_rows(3))[:1500], "不是有效的 Excel"),
    ("旧版.xlsx", OLE_BYTES, "旧版 .xls"),
    ("带NUL.csv", lambda: csv_bytes(demand_rows(2)).replace("王主任".encode(), b"\x00\x00"), "二进制内容"),
    ("空.csv", b"", "文件是空的"),
    ("page.csv", b"<html><body><script>alert(1)</script></body></html>\n", "表头"),
    ("多合一.xlsx", polyglot_pdf_zip, "不是有效的 Excel"),
    ("程序.exe", EXE_BYTES, "只支持 Excel（.xlsx）、Word（.docx，清单在表格中）和 CSV（.csv）文件"),
    ("超长.xlsx", lambda: xlsx_bytes([demand_row(1, 需求描述="长" * 40000)]), "需求描述"),
]


@pytest.fixture
def importer(client, owner):
    client.force_login(owner)
    return client


def upload_for_import(client, name, data):
    response = client.post(reverse("catalog:import"), {"file": SimpleUploadedFile(name, data)}, follow=True)
    assert response.status_code in (200, 403), response.status_code
    return response.content.decode()


@pytest.mark.parametrize("name, data, message", IMPORT_CORPUS, ids=[c[0] for c in IMPORT_CORPUS])
def test_malformed_import_files_get_a_message_and_write_nothing(importer, settings, name, data, message):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
    before = catalogue_rows()
    page = upload_for_import(importer, name, data() if callable(data) else data)
    assert escape(message) in page or message in page, page[page.find("<main") :][:3000]
    assert "Traceback" not in page
    # Even pressing 确认导入 on a job that was created cannot write a refused file.
    for job in ImportJob.objects.all():
        importer.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert catalogue_rows() == before


def test_an_oversized_import_is_refused_before_reading(importer, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    before = catalogue_rows()
    page = upload_for_import(importer, "大文件.csv", csv_bytes(demand_rows(1)) + b"#" * (11 * 1024 * 1024))
    assert "文件过大" in page and "上限为 10" in page
    assert not ImportJob.objects.exists() and catalogue_rows() == before


def test_declared_million_rows_reads_only_the_real_ones(importer):
    page = upload_for_import(importer, "百万行.xlsx", declared_million_rows())
    job = ImportJob.objects.get()
    assert job.total_rows == 2 and job.status == ImportJob.Status.VALIDATED
    assert "将新增 2 条" in page
    assert Demand.objects.count() == 0  # a preview writes nothing


def test_gbk_csv_is_read_and_said_so(importer):
    importer.post(
        reverse("catalog:import"), {"file": SimpleUploadedFile("gbk.csv", csv_bytes(demand_rows(2), encoding="gbk"))}
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATED and job.total_rows == 2
    page = importer.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "GBK" in page and Demand.objects.count() == 0


def test_path_traversal_name_is_stored_inside_media(importer, settings):
    importer.post(
        reverse("catalog:import"), {"file": SimpleUploadedFile("../../etc/passwd.xlsx", xlsx_bytes(demand_rows(1)))}
    )
    job = ImportJob.objects.get()
    stored = (settings.MEDIA_ROOT / job.file.name).resolve()
    assert stored.is_file() and str(stored).startswith(str(settings.MEDIA_ROOT.resolve()) + "/")
    assert ".." not in job.file.name


def test_script_and_formula_text_is_escaped_on_pages_and_neutralised_in_exports(importer, client, owner):
    rows = [
        demand_row(1, 需求名称=SCRIPT_TITLE),
        demand_row(2, 需求名称=FORMULA, 需求描述="@SUM(A1:A9) 与 +1+1 之类的内容"),
    ]
    importer.post(
        reverse("catalog:import"), {"file": SimpleUploadedFile("<img src=x onerror=alert(1)>.csv", csv_bytes(rows))}
    )
    job = ImportJob.objects.get()
    page = importer.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "<img src=x onerror" not in page
    importer.post(reverse("catalog:import_confirm", args=[job.pk]))
    assert Demand.objects.count() == 2

    for url in (
        reverse("catalog:demand_list"),
        reverse("catalog:demand_detail", args=[Demand.objects.get(title=SCRIPT_TITLE).pk]),
        reverse("home"),
    ):
        html = client.get(url).content.decode()
        assert '<script>alert("x")</script>' not in html, url
        assert escape(SCRIPT_TITLE) in html or "&lt;script&gt;" in html, url

    book = load_workbook(io.BytesIO(client.get(reverse("catalog:demand_export")).content))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert any(c.startswith("'@SUM") for c in cells)
    assert not any(isinstance(c.value, str) and c.data_type == "f" for row in book.active.iter_rows() for c in row)


# --- bid attachments -------------------------------------------------------------------------------

ATTACHMENT_CORPUS = [
    ("方案.pdf", EXE_BYTES, "内容与扩展名 .pdf 不符"),  # PE renamed .pdf
    ("方案.pdf", ELF_BYTES, "内容与扩展名 .pdf 不符"),  # ELF renamed .pdf
    ("照片.svg", SVG_SCRIPT, "类型不支持"),
    ("照片.png", SVG_SCRIPT, "内容与扩展名 .png 不符"),  # SVG with script posing as an image
    ("报价.docx", polyglot_pdf_zip(), "内容与扩展名 .docx 不符"),  # PDF/ZIP polyglot
    ("报价.pdf.exe", EXE_BYTES, "类型不支持"),
    ("空.pdf", b"", "空文件"),
    ("截断.xlsx", xlsx_bytes(demand_rows(1))[:20], "内容与扩展名 .xlsx 不符"),
    ("大文件.pdf", PDF_BYTES + b"0" * (11 * 1024 * 1024), "超过 10 MB 的大小上限"),
]


def bid_post(client, demand, files):
    data = {
        "proposal": "分阶段实施，提供现场调试与培训。",
        "price_wan": "120",
        "delivery_days": "90",
        "attachments": files,
    }
    return client.post(reverse("bidding:demand_bids", args=[demand.pk]), data)


@pytest.mark.parametrize(
    "name, content, message", ATTACHMENT_CORPUS, ids=[f"{c[0]}-{i}" for i, c in enumerate(ATTACHMENT_CORPUS)]
)
def test_malformed_attachments_are_refused_on_the_bid_page(
    client, demand, supplier_user, settings, name, content, message
):
    client.force_login(supplier_user)
    response = bid_post(client, demand, [SimpleUploadedFile("说明.pdf", PDF_BYTES), SimpleUploadedFile(name, content)])
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page or message in page
    assert not Bid.objects.exists() and not BidAttachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "private").exists()


def test_hostile_attachment_names_are_stored_safely_and_served_as_downloads(client, demand, supplier_user, settings):
    client.force_login(supplier_user)
    traversal = SimpleUploadedFile("../../etc/passwd.pdf", PDF_BYTES)
    scripted = SimpleUploadedFile('<img src=x onerror=alert(1)>".png', PNG_BYTES)
    assert bid_post(client, demand, [traversal, scripted]).status_code == 302
    media = settings.MEDIA_ROOT.resolve()
    for attachment in BidAttachment.objects.all():
        stored = (settings.MEDIA_ROOT / attachment.file.name).resolve()
        assert str(stored).startswith(str(media / "private" / "bids") + "/") and stored.is_file()
        response = client.get(reverse("bidding:attachment_download", args=[attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        # The name is quoted (and escaped) inside the header: no header splitting, no unquoted markup.
        disposition = response["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        assert disposition.startswith(('attachment; filename="', "attachment; filename*=utf-8''"))
        assert response["Content-Type"] in ("application/pdf", "image/png")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert {a.original_name for a in BidAttachment.objects.all()} == {"passwd.pdf", '<img src=x onerror=alert(1)>".png'}
    page = client.get(reverse("bidding:demand_bids", args=[demand.pk])).content.decode()
    assert "<img src=x onerror" not in page


def test_media_files_are_never_served_directly(client, demand, supplier_user, settings):
    """Attachments live under MEDIA_ROOT but no URL serves that folder: only the permission-checked view."""
    client.force_login(supplier_user)
    bid_post(client, demand, [SimpleUploadedFile("方案.pdf", PDF_BYTES)])
    attachment = BidAttachment.objects.get()
    assert not settings.DEBUG
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404
    assert settings.MEDIA_ROOT.resolve() != settings.STATIC_ROOT.resolve()
    assert all(
        settings.MEDIA_ROOT.resolve() != (d if hasattr(d, "resolve") else type(settings.MEDIA_ROOT)(d)).resolve()
        for d in settings.STATICFILES_DIRS
    )


def test_the_corpus_has_at_least_fifteen_malformed_files():
    assert len(IMPORT_CORPUS) + len(ATTACHMENT_CORPUS) + 4 >= 15  # + oversized, million rows, GBK, traversal

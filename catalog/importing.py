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

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.utils.datetime import from_excel

from accounts.models import Organization
from accounts.selectors import is_liaison, is_platform_admin, user_active_membership, user_org_ids
from catalog import services
from catalog.kinds import DEMAND, KINDS, SUPPLY, TYPE_VALUES
from catalog.models import IndustryChain
from catalog.regions import parse_region
from catalog.search import tokens_field
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

    def as_summary(self):
        """JSON-safe summary stored on ImportJob.summary."""
        return {
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
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").strip().replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", "", text)


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


def _check_zip(data):
    """Refuse zip bombs before openpyxl inflates anything."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(
            f"{NOT_XLSX}：文件已损坏或只是改了扩展名，请在 Excel 中“另存为 .xlsx”后再上传。"
        ) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFileError(f"{NOT_XLSX}：压缩包内文件数量异常（{len(infos)} 个）。")
    total, limit = sum(info.file_size for info in infos), _max_uncompressed_bytes()
    if total > limit:
        raise ImportFileError(
            f"文件解压后约 {total // (1024 * 1024)} MB，超过上限 {limit // (1024 * 1024)} MB"
            "（疑似压缩炸弹或数据过多）：请拆分成多个文件后再导入。"
        )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise ImportFileError(f"{NOT_XLSX}：这是一个压缩包，但不是 Excel 工作簿。")
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


def _detect_kind(header):
    names = [_normalise_header(v) for v in header]
    while names and not names[-1]:
        names.pop()
    scores = {kind: len(set(names) & set(spec.headers)) for kind, spec in SPECS.items()}
    if names and names[0] in ("清单名称", "菜单名称"):
        kind = "demands" if names[0] == "清单名称" else "supplies"
    else:
        kind = max(scores, key=scores.get)
        if scores[kind] < 3:
            raise ImportFileError(
                "第1行（表头）: 无法识别表头。需求清单的表头应为："
                + ",".join(DEMAND_HEADERS)
                + "；供给菜单的表头应为："
                + ",".join(SUPPLY_HEADERS)
                + "。请下载导入模板对照填写。"
            )
    expected = SPECS[kind].headers
    if names == expected:
        return kind
    missing = [h for h in expected if h not in names]
    extra = [h or "（空白列）" for h in names if h not in expected]
    duplicated = sorted({h for h in names if h and names.count(h) > 1})
    problems = []
    if missing:
        problems.append("缺少列" + "、".join(f"「{h}」" for h in missing))
    if extra:
        problems.append("多出列" + "、".join(f"「{h}」" for h in extra))
    if duplicated:
        problems.append("重复的列" + "、".join(f"「{h}」" for h in duplicated))
    if not problems:
        problems.append("列的顺序不对")
    label = SPECS[kind].list_word
    raise ImportFileError(
        f"第1行（表头）: {label}表头有误：{'；'.join(problems)}。表头必须完全一致且按此顺序：{','.join(expected)}"
    )


class _Validator:
    def __init__(self, spec, *, organization, report):
        self.spec = spec
        self.report = report
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

    def error(self, number, column, message):
        self.errors.append(f"第{number}行「{column}」: {message}")

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
        spec, headers, keys = self.spec, self.spec.headers, KEYS[self.spec.key]
        before = len(self.errors)
        values = {}
        for index, (key, column) in enumerate(zip(keys, headers, strict=True)):
            cell = cells[index] if index < len(cells) else _Cell(None)
            if cell.is_formula:
                self.error(
                    number, column, f"不支持公式「{_text(cell.value)[:50]}」：请把公式单元格复制后“选择性粘贴为数值”。"
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
                self.error(number, column, "包含非法的控制字符，请检查单元格内容。")
                text = text.replace("\x00", "")
            limit = MAX_LENGTHS.get(key)
            if limit and len(text) > limit:
                noun = "描述" if key == "description" else "内容"
                self.error(number, column, f"{noun}过长：不能超过 {limit} 个字符（当前 {len(text)} 个）。")
            if key in REQUIRED and not text:
                self.error(number, column, "不能为空。")
            values[key] = text
        for index in range(len(headers), len(cells)):
            extra = _text(cells[index].value)
            if extra:
                self.error(
                    number,
                    f"第{index + 1}列（{get_column_letter(index + 1)}列）",
                    f"表头之外多出内容「{extra[:30]}」：请删除多余的列。",
                )
                break

        chain = None
        if values.get("chain"):
            chain = self.chains.get(self._key(values["chain"]))
            if chain is None:
                self.error(
                    number,
                    headers[5],
                    f"未知的产业链「{values['chain'][:30]}」。可选值：{'、'.join(self.root_chain_names)}"
                    "（也可填写其下的环节名称，如“协作机器人”“碳化硅”）。",
                )
        if values.get("item_type") and values["item_type"] not in TYPE_VALUES[spec.key]:
            self.error(
                number,
                headers[6],
                f"未知的{spec.item_word}类型「{values['item_type'][:30]}」。可选值：{'、'.join(TYPE_VALUES[spec.key])}。",
            )

        amount = None
        raw_amount = values.get("amount")
        if raw_amount not in (None, ""):
            try:
                amount = parse_amount(raw_amount)
                if amount < 0:
                    self.error(number, headers[7], f"金额不能为负数（「{_text(raw_amount)}」）。")
                elif amount >= AMOUNT_LIMIT:
                    self.error(number, headers[7], f"金额「{_text(raw_amount)}」过大：单位是万元，请检查。")
            except ValueError:
                self.error(
                    number,
                    headers[7],
                    f"「{_text(raw_amount)[:30]}」不是有效的数字：请填写以万元为单位的数字，如 120 或 85.5，没有可留空。",
                )

        deadline = None
        if spec.has_bids and values.get("deadline") not in (None, ""):
            try:
                deadline = parse_date(values["deadline"])
            except (ValueError, OverflowError):
                self.error(
                    number,
                    headers[8],
                    f"「{_text(values['deadline'])[:30]}」不是有效的日期：请写成 2027-08-07、2027/8/7 或 2027年8月7日。",
                )

        region_full = None
        if values.get("region"):
            region_full = self.region_full_name(number, headers[2], values["region"])

        org_name = values.get("org_name") or ""
        if org_name:
            self._check_org(number, headers[1], org_name, values.get("region"))

        title = values.get("title") or ""
        if title and values.get("list_name") and org_name:
            key = (org_name, values["list_name"], title)
            if key in self.seen_titles:
                self.error(
                    number,
                    headers[3],
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
        rows, merged = _open_table(fileobj, filename, report.notes)
        valid_rows, org_regions = _validate_table(
            rows,
            merged,
            report,
            organization=None if is_staff else acting_org,
            progress=validation_progress,
            should_cancel=should_cancel,
            expected_rows=expected_rows,
        )
        if report.errors:
            return report
        planner = _Planner(
            SPECS[report.kind], valid_rows, report, acting_org=acting_org, is_staff=is_staff, org_regions=org_regions
        )
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


def _validate_table(rows, merged, report, *, organization, progress=None, should_cancel=None, expected_rows=0):
    """Check the header and every row; return (valid rows, {new org name: region text of its first row})."""
    header_number, header = None, None
    for number, cells in rows:
        if any(_text(c.value) for c in cells):
            header_number, header = number, cells
            break
    if header is None:
        raise ImportFileError("文件是空的：没有表头也没有数据。")
    if any(c.is_formula for c in header):
        raise ImportFileError(f"第{header_number}行（表头）: 表头不能包含公式。")
    report.kind = _detect_kind([c.value for c in header])
    spec = SPECS[report.kind]
    for row, column, ref in merged:
        name = spec.headers[_column_index(column)] if _column_index(column) < len(spec.headers) else f"{column}列"
        report.errors.append(f"第{row}行「{name}」: 有合并单元格 {ref}：请取消合并，并在每一行填写完整内容后再导入。")
    if report.errors:
        return [], {}
    validator = _Validator(spec, organization=organization, report=report)
    valid = []
    total, max_rows = 0, _max_rows()
    for number, cells in rows:
        if not any(_text(c.value) for c in cells) and not any(c.is_formula for c in cells):
            continue  # blank lines are common at the end of sheets
        total += 1
        if total > max_rows:
            raise ImportFileError(f"文件超过 {max_rows} 行数据的上限：请拆分成多个文件后分别导入。")
        row = validator.validate(number, cells)
        if row is not None:
            valid.append(row)
        if total % BATCH_SIZE == 0:
            if should_cancel and should_cancel():
                raise ImportCancelled
            if progress:
                progress(total, max(expected_rows, total))
    report.total_rows = total
    if total == 0:
        raise ImportFileError("文件只有表头，没有数据行。")
    return valid, validator.org_regions


def _column_index(letters):
    return column_index_from_string(letters) - 1


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
        self._load()

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
                item = self.items.get(((row.org_name, row.list_name), row.title))
                if item is None or item.description != row.description:
                    row.search_tokens = tokens_field(row.title, row.description)
            if progress:
                progress(min(start + BATCH_SIZE, total), total)

    def item_rows(self):
        spec = self.spec
        status = self.new_list_status()
        orgs, containers = dict(self.orgs), dict(self.lists)
        out = []
        for row in self.rows:
            if row.org_name not in orgs:
                orgs[row.org_name] = services.NewOrganization(
                    name=row.org_name,
                    kind=_new_org_kind(spec, row.org_name),
                    region=self.org_regions.get(row.org_name, row.region_text),
                )
            list_key = (row.org_name, row.list_name)
            if list_key not in containers:
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
            out.append(
                services.ItemRow(
                    container=containers[list_key],
                    data=data,
                    item=self.items.get((list_key, row.title)),
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

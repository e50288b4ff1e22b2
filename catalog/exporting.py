"""xlsx export of demands/supplies with the import headers (an export re-imports cleanly) and the
downloadable import templates.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
apostrophe; the importer strips it again, so a round trip keeps the text as typed.
"""

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from catalog.importing import DEMAND_HEADERS, FORMULA_PREFIXES, KEYS, SUPPLY_HEADERS
from catalog.models import DemandType, IndustryChain, SupplyType

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN_WIDTHS = {
    "demands": [28, 24, 16, 28, 60, 16, 12, 12, 14, 10, 16],
    "supplies": [28, 24, 16, 28, 60, 16, 12, 14, 10, 16],
}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B3261E")


def neutralise(value):
    """Text that a spreadsheet would evaluate is prefixed with an apostrophe; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _region_text(region):
    # full_name ("山东省济宁市任城区", "北京市海淀区") is what the importer's region parser reads back.
    return region.full_name if region else ""


def demand_row(demand, *, include_contacts):
    return [
        demand.demand_list.name,
        demand.organization.name,
        _region_text(demand.region),
        demand.title,
        demand.description,
        demand.chain.name,
        demand.demand_type,
        float(demand.budget_wan) if demand.budget_wan is not None else None,
        demand.deadline,
        demand.contact_name if include_contacts else "",
        demand.contact_phone if include_contacts else "",
    ]


def supply_row(supply, *, include_contacts):
    return [
        supply.menu.name,
        supply.organization.name,
        _region_text(supply.region),
        supply.title,
        supply.description,
        supply.chain.name,
        supply.supply_type,
        float(supply.price_wan) if supply.price_wan is not None else None,
        supply.contact_name if include_contacts else "",
        supply.contact_phone if include_contacts else "",
    ]


ERROR_COLUMN = "错误说明"
ERROR_FILL = PatternFill("solid", fgColor="FDECEA")


def _sheet(workbook, title, kind, extra_headers=()):
    sheet = workbook.create_sheet(title)
    widths = COLUMN_WIDTHS[kind] + [60] * len(extra_headers)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    headers = (DEMAND_HEADERS if kind == "demands" else SUPPLY_HEADERS) + list(extra_headers)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cells.append(cell)
    sheet.append(cells)
    return sheet


def _write_row(sheet, values, fills=None):
    cells = []
    for index, value in enumerate(values):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        if fills and index in fills:
            cell.fill = ERROR_FILL
        if isinstance(value, str):
            cell.data_type = "s"  # never let openpyxl guess "formula" for text
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        cells.append(cell)
    sheet.append(cells)


def export_xlsx(kind, items, *, contacts_allowed):
    """Bytes of an .xlsx with one row per item; `contacts_allowed(item)` decides 联系人/联系电话."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, "需求清单" if kind == "demands" else "供给菜单", kind)
    row_for = demand_row if kind == "demands" else supply_row
    for item in items:
        _write_row(sheet, row_for(item, include_contacts=contacts_allowed(item)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_xlsx(kind, rejected):
    """The rows an import refused, in the import columns plus 错误说明: fix them and import this file again.

    `rejected` is catalog.importing's [(row number, {validator key: value}, ["第N行「列」: …"])].
    """
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, "错误行", kind, extra_headers=(ERROR_COLUMN,))
    keys = KEYS[kind]
    for _number, values, messages in rejected:
        row = []
        for key in keys:
            value = values.get(key)
            row.append("" if value is None else value)
        _write_row(sheet, row + ["；".join(messages)], fills={len(keys)})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TEMPLATE_EXAMPLES = {
    "demands": [
        "济宁市机器人产业需求清单（2027）",
        "济宁高新区管委会",
        "济宁市任城区",
        "汽车零部件柔性装配协作机器人",
        "园区内汽车零部件企业需要在装配线上引入协作机器人，实现视觉引导的柔性装配，节拍不低于每分钟6件，"
        "希望与北京机器人企业合作完成工艺验证和产线改造。",
        "协作机器人",
        "技术攻关",
        200,
        date(2027, 8, 7),
        "王主任",
        "0537-2345678",
    ],
    "supplies": [
        "北京机器人企业供给菜单（2027）",
        "北京智元协作机器人有限公司",
        "北京市海淀区",
        "视觉引导协作机器人装配工作站",
        "基于3D视觉与力控的协作机器人装配工作站，支持多品种小批量柔性切换，已在汽车零部件行业量产应用。",
        "机器人",
        "解决方案",
        150,
        "李经理",
        "010-62345678",
    ],
}


TEMPLATE_ROWS = 1000  # rows below the header that carry the drop-downs and date check


def template_xlsx(kind):
    """The downloadable import template: header + one example row with drop-down lists (产业链 from a
    hidden sheet, 类型 inline) and a date check on 截止日期, and a 说明 sheet of allowed values."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    headers = DEMAND_HEADERS if kind == "demands" else SUPPLY_HEADERS
    sheet = workbook.create_sheet("需求清单" if kind == "demands" else "供给菜单")
    for index, width in enumerate(COLUMN_WIDTHS[kind]):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    sheet.append([neutralise(v) for v in TEMPLATE_EXAMPLES[kind]])
    for cell in sheet[2]:
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"

    roots = list(IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order", "name"))
    types = DemandType.values if kind == "demands" else SupplyType.values
    # Long lists go on a hidden sheet (an inline list is limited to 255 characters).
    choices = workbook.create_sheet("选项")
    for index, chain in enumerate(roots, start=1):
        choices.cell(row=index, column=1, value=neutralise(chain.name))
    for index, value in enumerate(types, start=1):
        choices.cell(row=index, column=2, value=value)
    choices.sheet_state = "hidden"

    keys = KEYS[kind]
    last = TEMPLATE_ROWS + 1

    def column(key):
        return get_column_letter(keys.index(key) + 1)

    if roots:
        chain_list = DataValidation(
            type="list",
            formula1=f"=选项!$A$1:$A${len(roots)}",
            allow_blank=True,
            showErrorMessage=False,  # segment names (环节) are accepted too: suggest, do not forbid
            promptTitle="产业链",
            prompt="从列表中选择产业链，也可填写其下的环节名称。",
            showInputMessage=True,
        )
        chain_list.add(f"{column('chain')}2:{column('chain')}{last}")
        sheet.add_data_validation(chain_list)
    type_list = DataValidation(
        type="list",
        formula1=f"=选项!$B$1:$B${len(types)}",
        allow_blank=False,
        showErrorMessage=True,
        errorTitle=headers[keys.index("item_type")],
        error="请从下拉列表中选择：" + "、".join(types),
    )
    type_list.add(f"{column('item_type')}2:{column('item_type')}{last}")
    sheet.add_data_validation(type_list)
    if "deadline" in keys:
        deadline = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="DATE(2000,1,1)",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="截止日期",
            error="请填写日期，如 2027-08-07。",
        )
        deadline.add(f"{column('deadline')}2:{column('deadline')}{last}")
        sheet.add_data_validation(deadline)

    notes = workbook.create_sheet("说明")
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 90
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(a, b=""):
        notes.append([a, neutralise(b)])
        notes.cell(row=notes.max_row, column=1).font = bold
        notes.cell(row=notes.max_row, column=2).alignment = wrap

    list_col, org_col = headers[0], headers[1]
    line(
        "填写说明",
        "第一个工作表的第1行是表头；从第2行起每行一条。示例行请删除或改成您的内容。"
        "产业链、类型可从下拉列表选择。表头上方可以有标题行，列的顺序可以调整，常见的别名列名（如“项目名称”“具体需求”）也能识别。",
    )
    line(
        list_col,
        f"同一{list_col}的行归入同一份清单/菜单；再次导入同一文件会按“单位 + {list_col} + 名称”原地更新，不会重复。",
    )
    line(org_col, "单位全称。平台工作人员导入时，系统中没有的单位会自动创建（待认证）；单位成员只能导入本单位的数据。")
    line("所在地区", "写到市或区县，如“济宁市任城区”“北京市海淀区”“山东省青岛市”。")
    line("描述", "不超过 5000 个字符。")
    line(headers[7], "以万元为单位的数字（如 120 或 85.5），没有可留空。")
    if kind == "demands":
        line("截止日期", "如 2027-08-07、2027/8/7 或 2027年8月7日，也可以是 Excel 日期单元格；可留空。")
    line("必填列", "、".join(h for h in headers if h not in ("预算（万元）", "参考价格（万元）", "截止日期")))
    line("注意", "不要使用公式；数据行不要合并单元格。")
    line(headers[6] + "（可选值）", "、".join(types))
    line("产业链（可选值）", "填写产业链名称，或其下的环节名称：")
    chains = (
        IndustryChain.objects.filter(parent__isnull=True).prefetch_related("segments").order_by("sort_order", "name")
    )
    for chain in chains:
        segments = "、".join(s.name for s in chain.segments.all())
        line(chain.name, f"环节：{segments}" if segments else "")
    workbook.move_sheet("选项", offset=1)  # 说明 stays the second (visible) sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Builders of import files for the tests, made on the fly (CSV bytes, .xlsx bytes, bad files)."""

import csv
import io

import openpyxl

from catalog.importing import DEMAND_HEADERS, SUPPLY_HEADERS

MATCHBENCH_DIR = "/work/shared/matchbench-dev"


def demand_row(n=1, **overrides):
    row = {
        "清单名称": "济宁市机器人产业需求清单（2027）",
        "发布单位": "济宁高新区管委会",
        "所在地区": "济宁市任城区",
        "需求名称": f"协作机器人柔性装配需求{n}",
        "需求描述": f"园区汽车零部件企业第{n}条产线需要视觉引导的协作机器人柔性装配，节拍不低于每分钟6件。",
        "产业链": "机器人",
        "需求类型": "技术攻关",
        "预算（万元）": "200",
        "截止日期": "2027-08-07",
        "联系人": "王主任",
        "联系电话": "0537-2345678",
    }
    row.update(overrides)
    return row


def supply_row(n=1, **overrides):
    row = {
        "菜单名称": "北京机器人企业供给菜单（2027）",
        "供给单位": "北京智元协作机器人有限公司",
        "所在地区": "北京市海淀区",
        "供给名称": f"视觉引导协作机器人装配工作站{n}",
        "供给描述": f"基于3D视觉与力控的协作机器人装配工作站第{n}型，已在汽车零部件行业量产应用。",
        "产业链": "机器人",
        "供给类型": "解决方案",
        "参考价格（万元）": "150",
        "联系人": "李经理",
        "联系电话": "010-62345678",
    }
    row.update(overrides)
    return row


def _matrix(rows, headers):
    return [[row.get(h, "") for h in headers] if isinstance(row, dict) else list(row) for row in rows]


def csv_bytes(rows, headers=None, *, bom=False, encoding="utf-8"):
    headers = headers or (DEMAND_HEADERS if not rows or "清单名称" in rows[0] else SUPPLY_HEADERS)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(_matrix(rows, headers))
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, headers=None, *, edit=None):
    """An .xlsx with `headers` on row 1 and `rows` below; `edit(sheet)` may tweak cells first."""
    headers = headers or (DEMAND_HEADERS if not rows or "清单名称" in rows[0] else SUPPLY_HEADERS)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in _matrix(rows, headers):
        sheet.append(row)
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def demand_rows(count, **overrides):
    return [demand_row(n, **overrides) for n in range(1, count + 1)]

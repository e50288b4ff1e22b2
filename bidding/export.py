"""The owner's .xlsx export of a demand's bids (formula injection neutralised)."""

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from catalog.exporting import neutralise as safe_cell  # the one formula guard of the exports

HEADERS = [
    "投标单位",
    "报价（万元）",
    "交付周期（天）",
    "状态",
    "未采纳原因",
    "方案说明",
    "关联供给",
    "附件数",
    "首次提交时间",
    "最后修改时间",
]


def bids_xlsx(demand, bids):
    """Bytes of a workbook with one row per bid; `bids` is already permission-filtered."""
    wb = Workbook()
    ws = wb.active
    ws.title = "意向书"
    ws.append([safe_cell(f"需求：{demand.title}")])
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for bid in bids:
        ws.append(
            [
                safe_cell(bid.organization.name),
                float(bid.price_wan),
                bid.delivery_days,
                bid.get_status_display(),
                bid.get_reject_reason_display() if bid.reject_reason else "",
                safe_cell(bid.proposal),
                safe_cell(bid.supply.title) if bid.supply_id else "",
                len(bid.attachments.all()),
                timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(bid.last_submitted_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (30, 14, 14, 10, 12, 60, 30, 8, 18, 18), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""Attachments are checked by content and served only to people who may read the bid; export is safe."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from bidding.export import safe_cell
from bidding.models import Bid, BidAttachment
from tests.bidding.conftest import at_local
from tests.bidding.factories import EXE_BYTES, PDF_BYTES, PNG_BYTES, bidder, docx_bytes, submit, upload

pytestmark = pytest.mark.django_db


def test_real_pdf_png_docx_are_accepted_and_stored_privately(demand, supplier_user, settings):
    bid = submit(
        demand,
        supplier_user,
        attachments=[
            upload("技术方案.pdf", PDF_BYTES),
            upload("现场照片.PNG", PNG_BYTES),
            upload("报价说明.docx", docx_bytes()),
        ],
    )
    stored = {a.original_name: a for a in bid.attachments.all()}
    assert set(stored) == {"技术方案.pdf", "现场照片.PNG", "报价说明.docx"}
    assert stored["现场照片.PNG"].content_type == "image/png"
    for attachment in stored.values():
        assert attachment.file.name.startswith(f"private/bids/{bid.pk}/")
        assert attachment.original_name not in attachment.file.name  # random stored name
        assert (settings.MEDIA_ROOT / attachment.file.name).exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("方案.pdf", EXE_BYTES, "内容与扩展名 .pdf 不符"),
        ("照片.png", PDF_BYTES, "内容与扩展名 .png 不符"),
        ("setup.exe", EXE_BYTES, "类型不支持"),
        ("无扩展名", PDF_BYTES, "类型不支持"),
        ("空.pdf", b"", "空文件"),
    ],
)
def test_bad_attachments_refused_and_nothing_saved(demand, supplier_user, settings, name, content, message):
    with pytest.raises(ValidationError) as exc:
        submit(demand, supplier_user, attachments=[upload("好的.pdf", PDF_BYTES), upload(name, content)])
    assert message in " ".join(exc.value.message_dict["attachments"])
    assert not Bid.objects.exists() and not BidAttachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "private").exists()


def test_oversized_attachment_refused(demand, supplier_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        submit(demand, supplier_user, attachments=[upload("大文件.pdf", PDF_BYTES + b"0" * 2000)])
    assert "附件「大文件.pdf」超过 1 KB 的大小上限" in " ".join(exc.value.message_dict["attachments"])
    assert not Bid.objects.exists()


def test_download_permission_and_headers(client, sealed_demand, supplier_user, owner, other_member, liaison):
    with time_machine.travel(at_local(sealed_demand.deadline, 9), tick=False):
        bid = submit(sealed_demand, supplier_user, attachments=[upload("方案.pdf", PDF_BYTES)])
    attachment = bid.attachments.get()
    url = f"/bids/attachments/{attachment.pk}/"
    client.force_login(supplier_user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    with time_machine.travel(at_local(sealed_demand.deadline, 23, 59, 59), tick=False):
        for user in (other_member, owner, liaison):  # sealed: staff too
            client.force_login(user)
            assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302  # to login
    with time_machine.travel(at_local(sealed_demand.deadline + datetime.timedelta(days=1), 1), tick=False):
        for user in (owner, liaison):
            client.force_login(user)
            assert client.get(url).status_code == 200  # the seal is off


def test_safe_cell_neutralises_formulas():
    for value in ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"):
        assert safe_cell(value) == "'" + value
    assert safe_cell("正常文本 = 1") == "正常文本 = 1"
    assert safe_cell(12.5) == 12.5


def test_owner_export_after_deadline_neutralises_injection(client, sealed_demand, owner):
    evil_org = bidder("=cmd|' /C calc'!A0")
    with time_machine.travel(at_local(sealed_demand.deadline, 9), tick=False):
        submit(sealed_demand, evil_org, proposal="@SUM(1+1)*cmd|' /C calc'!A0", price="150")
        client.force_login(owner)
        response = client.get(f"/bids/demand/{sealed_demand.pk}/export/")
        assert response.status_code == 302  # sealed: back to the tab with a message
    with time_machine.travel(at_local(sealed_demand.deadline + datetime.timedelta(days=1), 9), tick=False):
        client.force_login(owner)
        response = client.get(f"/bids/demand/{sealed_demand.pk}/export/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:3] == ("投标单位", "报价（万元）", "交付周期（天）")
    assert rows[2][0] == "'=cmd|' /C calc'!A0"
    assert rows[2][5] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[2][1] == 150
    assert all(not (isinstance(c, str) and c[:1] in "=+-@") for row in rows for c in row)


@pytest.mark.parametrize("persona", ["other_member", "supplier_user"])
def test_export_is_404_to_non_owners(client, request, sealed_demand, persona):
    with time_machine.travel(at_local(sealed_demand.deadline + datetime.timedelta(days=1), 9), tick=False):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(f"/bids/demand/{sealed_demand.pk}/export/").status_code == 404

"""Bidding test helpers: bidders from verified supplier organisations and files of known types."""

import io
import zipfile
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from bidding import services
from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def docx_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def bidder(name=None):
    """A member of a fresh verified Beijing company."""
    kwargs = {"name": name} if name else {}
    org = factories.SupplierOrganizationFactory(**kwargs)
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, organization=org)
    return user


def submit(
    demand, user, *, price="120.50", days=90, proposal="采用视觉引导协作机器人方案，含安装调试与培训。", attachments=()
):
    return services.bid_submit(
        demand=demand,
        user=user,
        proposal=proposal,
        price_wan=Decimal(price),
        delivery_days=days,
        attachments=attachments,
    )

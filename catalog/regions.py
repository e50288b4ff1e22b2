"""Turn a 所在地区 string ("泰安市岱岳区", "北京市顺义区", "济宁高新区") into Region rows."""

import re

from django.core.exceptions import ValidationError

from catalog.models import Region
from catalog.taxonomy import MUNICIPALITIES, SHANDONG_CITIES

PROVINCE_RE = re.compile(r"^(?P<prov>[^省]{2,7}省|[^区]{2,12}自治区)")


def parse_region(text):
    """Split a region string into (province, city, district); raise ValidationError if unreadable."""
    raw = (text or "").strip().replace(" ", "").replace("　", "")
    if not raw:
        raise ValidationError("地区不能为空")
    province = ""
    match = PROVINCE_RE.match(raw)
    if match:
        province, raw = match.group("prov"), raw[match.end() :]
    for municipality in MUNICIPALITIES:
        short = municipality[:-1]
        if raw.startswith(municipality) or raw == short or (raw.startswith(short) and not raw.startswith(municipality)):
            rest = raw[len(municipality) :] if raw.startswith(municipality) else raw[len(short) :]
            return "", municipality, rest
    city, rest = "", raw
    if "市" in raw:
        index = raw.index("市")
        city, rest = raw[: index + 1], raw[index + 1 :]
    else:
        for candidate in SHANDONG_CITIES:
            if raw.startswith(candidate[:-1]):
                city, rest = candidate, raw[len(candidate) - 1 :]
                break
    if not city:
        if province:
            return province, "", ""
        raise ValidationError(f"无法识别地区「{text}」：请写成“某某市某某区/县”，如“济宁市任城区”或“北京市海淀区”")
    if not province and city in SHANDONG_CITIES:
        province = "山东省"
    return province, city, rest


def region_resolve(text):
    """Find or create the Region for `text` (province → city → district)."""
    province, city, district = parse_region(text)
    parent = None
    full = ""
    for name, level in (
        (province, Region.Level.PROVINCE),
        (city, Region.Level.CITY),
        (district, Region.Level.DISTRICT),
    ):
        if not name:
            continue
        full += name
        parent, _ = Region.objects.get_or_create(
            full_name=full, defaults={"name": name, "level": level, "parent": parent}
        )
    return parent

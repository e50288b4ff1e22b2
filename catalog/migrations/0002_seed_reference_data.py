"""Seed the 产业链 taxonomy and the Shandong/Beijing regions (reference data, needed in production)."""

from django.db import migrations

BEIJING_DISTRICTS = [
    "东城区",
    "西城区",
    "朝阳区",
    "海淀区",
    "丰台区",
    "石景山区",
    "门头沟区",
    "房山区",
    "通州区",
    "顺义区",
    "昌平区",
    "大兴区",
    "怀柔区",
    "平谷区",
    "密云区",
    "延庆区",
    "经济技术开发区",
]


def seed(apps, schema_editor):
    from catalog.taxonomy import CHAINS, SHANDONG_CITIES

    IndustryChain = apps.get_model("catalog", "IndustryChain")
    Region = apps.get_model("catalog", "Region")
    for order, (name, is_priority, is_future, segments, keywords) in enumerate(CHAINS, start=1):
        chain, _ = IndustryChain.objects.update_or_create(
            name=name,
            defaults={
                "is_priority": is_priority,
                "is_future": is_future,
                "keywords": keywords,
                "sort_order": order * 10,
                "parent": None,
            },
        )
        for sub_order, segment in enumerate(segments, start=1):
            IndustryChain.objects.update_or_create(
                name=segment, defaults={"parent": chain, "sort_order": order * 10 + sub_order}
            )
    shandong, _ = Region.objects.get_or_create(full_name="山东省", defaults={"name": "山东省", "level": "province"})
    for city in SHANDONG_CITIES:
        Region.objects.get_or_create(
            full_name="山东省" + city, defaults={"name": city, "level": "city", "parent": shandong}
        )
    beijing, _ = Region.objects.get_or_create(full_name="北京市", defaults={"name": "北京市", "level": "city"})
    for district in BEIJING_DISTRICTS:
        Region.objects.get_or_create(
            full_name="北京市" + district, defaults={"name": district, "level": "district", "parent": beijing}
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

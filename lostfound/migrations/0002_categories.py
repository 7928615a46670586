"""The categories every campus starts with (managers edit them afterwards)."""

from django.db import migrations

# (code, name, English name, campus card/ID, valuable, holding days)
CATEGORIES = [
    ("card", "校园卡/证件", "Campus card / ID", True, True, 90),
    ("keys", "钥匙", "Keys", False, False, 90),
    ("phone", "手机/电子产品", "Phone / electronics", False, True, 90),
    ("wallet", "钱包/现金", "Wallet / cash", False, True, 90),
    ("books", "书本/文具", "Books / stationery", False, False, 90),
    ("clothes", "衣物/包", "Clothes / bags", False, False, 90),
    ("bottle", "水杯", "Water bottle", False, False, 60),
    ("umbrella", "雨伞", "Umbrella", False, False, 60),
    ("other", "其他", "Other", False, False, 90),
]


def add(apps, schema_editor):
    Category = apps.get_model("lostfound", "Category")
    for order, (code, name, name_en, card, valuable, days) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "is_campus_card": card,
                "is_valuable": valuable,
                "holding_days": days,
                "sort_order": order * 10,
            },
        )


def remove(apps, schema_editor):
    Category = apps.get_model("lostfound", "Category")
    Category.objects.filter(
        code__in=[c[0] for c in CATEGORIES], found_items=None, lost_reports=None
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("lostfound", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]

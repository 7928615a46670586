"""The fixed list of major allergens (GB 7718-2025 / Codex list, plus common EU additions)."""

from django.db import migrations

ALLERGENS = [
    ("gluten", "含麸质谷物", "Cereals containing gluten"),
    ("crustaceans", "甲壳类", "Crustaceans"),
    ("molluscs", "软体动物", "Molluscs"),
    ("eggs", "蛋类", "Eggs"),
    ("fish", "鱼类", "Fish"),
    ("peanuts", "花生", "Peanuts"),
    ("soy", "大豆", "Soybeans"),
    ("milk", "乳及乳制品", "Milk"),
    ("tree_nuts", "坚果", "Tree nuts"),
    ("sesame", "芝麻", "Sesame"),
    ("celery", "芹菜", "Celery"),
    ("mustard", "芥末", "Mustard"),
    ("sulphites", "亚硫酸盐", "Sulphites"),
    ("buckwheat", "荞麦", "Buckwheat"),
]


def create(apps, schema_editor):
    Allergen = apps.get_model("dining", "Allergen")
    for order, (code, name, name_en) in enumerate(ALLERGENS):
        Allergen.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


def remove(apps, schema_editor):
    apps.get_model("dining", "Allergen").objects.filter(code__in=[a[0] for a in ALLERGENS]).delete()


class Migration(migrations.Migration):
    dependencies = [("dining", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]

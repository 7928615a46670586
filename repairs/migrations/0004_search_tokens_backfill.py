"""Fills the search tokens of the requests filed before the column existed."""

from django.db import migrations


def fill(apps, schema_editor):
    from logistics.search import backfill

    backfill(apps.get_model("repairs", "RepairRequest"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0003_search_tokens"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]

"""Complaint search through an index (logistics.search): the tokens column, filled, and its GIN
index."""

from django.db import migrations

import logistics.search


def fill(apps, schema_editor):
    from logistics.search import backfill

    backfill(apps.get_model("reviews", "Complaint"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_adopt_repair_ratings"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="search_tokens",
            field=logistics.search.SearchTokensField(sources=("title", "body")),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="complaint",
            index=logistics.search.SearchIndex(
                fields=["search_tokens"], name="reviews_complaint_search_idx"
            ),
        ),
    ]

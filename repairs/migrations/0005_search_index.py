from django.db import migrations

import logistics.search


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0004_search_tokens_backfill"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="repairrequest",
            index=logistics.search.SearchIndex(fields=["search_tokens"], name="repair_search_idx"),
        ),
    ]

from django.db import migrations

import logistics.search


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0002_open_queue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="repairrequest",
            name="search_tokens",
            field=logistics.search.SearchTokensField(sources=("description", "place_text")),
        ),
    ]

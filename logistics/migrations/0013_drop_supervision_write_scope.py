"""`supervision:write` allowed nothing (the city supervision export is read only) and is no
longer offered: tokens issued with it keep their other scopes."""

from django.db import migrations

GONE = "supervision:write"


def drop_scope(apps, schema_editor):
    ApiToken = apps.get_model("logistics", "ApiToken")
    # Tokens are few (one per integration); JSON containment is not portable to SQLite.
    for token in ApiToken.objects.only("scopes").iterator():
        if GONE in (token.scopes or []):
            token.scopes = [scope for scope in token.scopes if scope != GONE]
            token.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("logistics", "0012_user_name_phone_tail_indexes")]

    operations = [migrations.RunPython(drop_scope, migrations.RunPython.noop)]

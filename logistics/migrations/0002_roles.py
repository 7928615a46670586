"""Creates one group per portal role."""

from django.db import migrations

ROLES = [
    "student",
    "teacher",
    "technician",
    "repair_dispatcher",
    "canteen_staff",
    "dorm_manager",
    "mailroom_clerk",
    "lostfound_desk",
    "logistics_manager",
    "integrator",
    "supervisor",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

"""Ship the viewer / planner / reviewer groups (planning_hub/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so the groups
    # can reference them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from planning_hub.roles import ensure_groups

    # strict=False: permissions of later apps (jobs) are granted by their own migration
    ensure_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["viewer", "planner", "reviewer"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning_hub", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("input_sets", "0002_child_fk_no_extra_index"),
        ("audit", "0002_append_only_triggers"),
        ("plans", "0001_initial"),
        ("runs", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

"""Planners may move a plan's state (plans.change_planversion): re-apply planning_hub/roles.py."""

from django.db import migrations


def update_groups(apps, schema_editor):
    from planning_hub.roles import ensure_groups

    # strict=False: permissions of later apps (jobs) are granted by their own migration
    ensure_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), strict=False
    )


class Migration(migrations.Migration):
    dependencies = [("planning_hub", "0002_groups"), ("plans", "0003_job_input_set_snapshot")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]

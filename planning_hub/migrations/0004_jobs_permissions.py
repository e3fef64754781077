"""Viewers see jobs, planners retry and cancel them: jobs.view_job / jobs.change_job replace
the plan-job permissions (planning_hub/roles.py, re-applied as 0002 does)."""

import importlib

from django.db import migrations

groups = importlib.import_module("planning_hub.migrations.0002_groups")


class Migration(migrations.Migration):
    dependencies = [
        ("planning_hub", "0003_planner_changes_plan_state"),
        ("jobs", "0001_initial"),
        ("plans", "0006_delete_planjob"),
        ("runs", "0004_run_reads_job_and_plan"),
        ("input_sets", "0005_diff_reads_its_job"),
    ]

    operations = [migrations.RunPython(groups.create_groups, migrations.RunPython.noop)]

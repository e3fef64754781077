"""A run reads status, times, trigger, creator and KPIs from its job and its inputs and
parameters from its plan: the copies go (a separate migration, as PostgreSQL refuses to
alter a table with pending trigger events from the data migration)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("runs", "0003_run_plan_job_is_a_job")]

    operations = [
        migrations.RemoveConstraint(model_name="run", name="run_status_valid"),
        migrations.RemoveIndex(model_name="run", name="run_cfg_created_idx"),
        migrations.RemoveIndex(model_name="run", name="run_status_created_idx"),
        *(
            migrations.RemoveField(model_name="run", name=name)
            for name in (
                "config_version",
                "created_by",
                "duration_ms",
                "finished_at",
                "input_set",
                "input_set_content_hash",
                "input_set_label",
                "kpis",
                "parameters",
                "started_at",
                "status",
                "trigger",
            )
        ),
    ]

"""A diff reads status, progress, error and times from its job: the copies go (a separate
migration, as PostgreSQL refuses to alter a table with pending trigger events)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("input_sets", "0004_diff_jobs_are_jobs")]

    operations = [
        migrations.AlterModelOptions(
            name="inputsetdiff",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "input set diff",
                "verbose_name_plural": "input set diffs",
            },
        ),
        migrations.RemoveConstraint(model_name="inputsetdiff", name="diff_status_valid"),
        migrations.RenameField(
            model_name="inputsetdiff", old_name="requested_at", new_name="created_at"
        ),
        *(
            migrations.RemoveField(model_name="inputsetdiff", name=name)
            for name in (
                "current_step",
                "duration_ms",
                "error",
                "finished_at",
                "progress",
                "started_at",
                "status",
                "task_id",
            )
        ),
    ]

"""Each input-set diff's computation becomes a job of kind "diff" (planning_hub.jobs); the
diff points to it (``job``)."""

import django.db.models.deletion
from django.db import migrations, models


def diffs_to_jobs(apps, schema_editor):
    Diff = apps.get_model("input_sets", "InputSetDiff")
    Job = apps.get_model("jobs", "Job")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Diff.objects.exists():
        return
    diff_type, _ = ContentType.objects.get_or_create(app_label="input_sets", model="inputsetdiff")
    field = Job._meta.get_field("submitted_at")
    field.auto_now_add = False
    try:
        for diff in Diff.objects.order_by("pk").iterator(chunk_size=2000):
            job = Job.objects.create(
                kind="diff",
                status=diff.status,
                progress=diff.progress,
                current_step=diff.current_step,
                task_id=diff.task_id,
                object_type_id=diff_type.pk,
                object_id=diff.pk,
                result={"diff_id": diff.pk} if diff.status == "succeeded" else {},
                error=diff.error,
                submitted_at=diff.requested_at,
                started_at=diff.started_at,
                # a diff "running" before the upgrade has no heartbeat: the sweep fails it
                heartbeat_at=diff.started_at,
                finished_at=diff.finished_at,
                duration_ms=diff.duration_ms,
            )
            Diff.objects.filter(pk=diff.pk).update(job_id=job.pk)
    finally:
        field.auto_now_add = True


class Migration(migrations.Migration):
    dependencies = [
        ("input_sets", "0003_input_set_diffs"),
        ("jobs", "0001_initial"),
        ("plans", "0005_plan_jobs_to_jobs"),  # after plan jobs took their ids
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="inputsetdiff",
            name="job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="jobs.job",
            ),
        ),
        migrations.RunPython(diffs_to_jobs, migrations.RunPython.noop),
    ]

"""A run's job is a Job (kind "plan"; plan jobs kept their ids). The run's KPI summary moves
to its job's result; a run without a job gets one built from what the run recorded."""

import django.db.models.deletion
from django.db import migrations, models


def move_run_state_to_jobs(apps, schema_editor):
    Run = apps.get_model("runs", "Run")
    Job = apps.get_model("jobs", "Job")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Run.objects.exists():
        return
    plan_type, _ = ContentType.objects.get_or_create(app_label="plans", model="planversion")
    field = Job._meta.get_field("submitted_at")
    field.auto_now_add = False
    try:
        for run in Run.objects.order_by("pk").iterator(chunk_size=2000):
            if run.plan_job_id is None:
                job = Job.objects.create(
                    kind="plan",
                    status=run.status,
                    progress=100 if run.status == "succeeded" else 0,
                    current_step="done" if run.status == "succeeded" else "",
                    trigger=run.trigger,
                    object_type_id=plan_type.pk,
                    object_id=run.plan_version_id,
                    result={"kpis": run.kpis or {}},
                    created_by_id=run.created_by_id,
                    submitted_at=run.created_at,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    duration_ms=run.duration_ms,
                )
                Run.objects.filter(pk=run.pk).update(plan_job_id=job.pk)
            else:
                Job.objects.filter(pk=run.plan_job_id).update(result={"kpis": run.kpis or {}})
    finally:
        field.auto_now_add = True


class Migration(migrations.Migration):
    dependencies = [
        ("runs", "0002_input_set_reference"),
        ("jobs", "0001_initial"),
        ("plans", "0005_plan_jobs_to_jobs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="run",
            name="plan_job",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="run",
                to="jobs.job",
                verbose_name="job",
            ),
        ),
        migrations.RunPython(move_run_state_to_jobs, migrations.RunPython.noop),
    ]

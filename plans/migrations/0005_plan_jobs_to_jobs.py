"""Plan jobs become jobs of kind "plan" in the one job table (planning_hub.jobs), keeping
their ids (so /ui/jobs/<id>, /api/jobs/<id>/, runs and segment folders still point right)."""

from django.core.management.color import no_style
from django.db import migrations

BATCH = 2000


def _no_auto_now(model):
    field = model._meta.get_field("submitted_at")
    field.auto_now_add = False
    return field


def copy_plan_jobs(apps, schema_editor):
    PlanJob = apps.get_model("plans", "PlanJob")
    Job = apps.get_model("jobs", "Job")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not PlanJob.objects.exists():
        return
    plan_type, _ = ContentType.objects.get_or_create(app_label="plans", model="planversion")
    field = _no_auto_now(Job)
    try:
        batch = []
        for old in PlanJob.objects.order_by("pk").iterator(chunk_size=BATCH):
            pid = old.worker.rpartition(":")[2]
            batch.append(
                Job(
                    id=old.pk,
                    kind="plan",
                    status=old.status,
                    progress=old.progress,
                    current_step=old.current_step,
                    trigger=old.trigger,
                    task_id=old.task_id,
                    worker=old.worker,
                    worker_pid=int(pid) if pid.isdigit() else None,
                    object_type_id=plan_type.pk,
                    object_id=old.plan_id,
                    error=old.error,
                    created_by_id=old.created_by_id,
                    submitted_at=old.submitted_at,
                    started_at=old.started_at,
                    heartbeat_at=old.heartbeat_at,
                    finished_at=old.finished_at,
                    duration_ms=old.duration_ms,
                )
            )
            if len(batch) >= BATCH:
                Job.objects.bulk_create(batch)
                batch = []
        Job.objects.bulk_create(batch)
    finally:
        field.auto_now_add = True
    # explicit ids do not move PostgreSQL's sequence
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Job]):
            cursor.execute(sql)


def remove_copies(apps, schema_editor):
    apps.get_model("jobs", "Job").objects.filter(kind="plan").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_series_segments"),
        ("jobs", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(copy_plan_jobs, remove_copies)]

"""Plan creation and execution: the one code path for the command, the API, the hub pages and
the django-q2 task.

``plan_create_and_execute`` checks the input set (ready, of that config version — no silent
fallback to other data), creates the plan, its job and its run in one transaction, then runs
the pipeline inline (``sync``) or enqueues ``plans.tasks.execute_plan_job``. ``plan_execute``
runs the pure-pandas pipeline and stores every series level, the KPIs and the artifacts in one
transaction: a failed run leaves no half-written plan.
"""

import logging
import os
import socket
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from input_sets.choices import InputSetStatus
from input_sets.exceptions import ConfigVersionNotFound, InputSetNotFound
from input_sets.io.bundle import InputBundle
from input_sets.io.frames import canonical_frame
from input_sets.io.readers import parse_bundle
from input_sets.models import CanonicalConfigVersion, PlanningInputSet
from input_sets.sections import SECTIONS_BY_NAME
from planning_hub import metrics
from plans.pipeline.dag import run as run_pipeline
from plans.pipeline.params import PlanParams
from runs.models import Run

from .exceptions import InvalidPlanParams, JobStateError, PlanInputRejected
from .inputs import (
    TABLE_SECTIONS,
    frames_to_inputs,
    input_set_frames,
    inputs_snapshot,
    snapshot_frames,
)
from .models import (
    PLAN_STEPS,
    JobStatus,
    PlanArtifact,
    PlanJob,
    PlanKPI,
    PlanSeries,
    PlanSeriesSegment,
    PlanState,
    PlanVersion,
)
from .series_store import SegmentWriter, remove_orphan_segments, segment_writer

logger = logging.getLogger(__name__)

INPUTS_ARTIFACT = "planning_inputs.json"
INPUT_SET_ARTIFACT = "planning_input_set.json"


def plan_create_and_execute(
    *,
    config_version_id: int,
    input_set_label: str | None,
    params: dict | None = None,
    user=None,
    trigger: str,
    sync: bool = False,
    legacy_input_dir: str | None = None,
    note: str = "",
) -> PlanJob:
    """Create a plan from a **ready** input set of ``config_version_id`` and run it.

    ``params`` are pipeline parameters (``PlanParams`` names: round_mode, lt_unit,
    cutover_date, recon_window_days, anchor_policy, tol_abs, tol_rel, apply_adjusted, …); the
    set's ``planning_params`` are the defaults (spec §14 Q2). Legacy mode (no input set) needs
    an explicit ``legacy_input_dir`` of CSV files and is logged as ``legacy_mode_detected`` and
    counted in ``run_without_input_set_total{entrypoint}``.

    Returns the :class:`PlanJob` (finished when ``sync``; queued otherwise). Raises
    :class:`ConfigVersionNotFound`, :class:`InputSetNotFound`, :class:`PlanInputRejected`
    (draft/archived set, set of another config version, no label without legacy mode) or
    :class:`InvalidPlanParams`. With ``sync`` a pipeline failure is recorded on the job
    (status ``failed``, ``error``) rather than raised.
    """
    if not CanonicalConfigVersion.objects.filter(pk=config_version_id).exists():
        raise ConfigVersionNotFound(f"Config version {config_version_id} does not exist.")
    input_set, legacy_frames, calendar, defaults = _resolve_inputs(
        config_version_id, input_set_label, legacy_input_dir, trigger
    )
    try:
        plan_params = PlanParams.from_planning_params(defaults, **(params or {}))
    except (TypeError, ValueError) as exc:
        raise InvalidPlanParams(str(exc)) from exc

    with transaction.atomic():
        plan = PlanVersion.objects.create(
            config_version_id=config_version_id,
            input_set=input_set,
            input_set_label=input_set.label if input_set else "",
            input_set_content_hash=input_set.content_hash if input_set else "",
            parameters=plan_params.to_dict(),
            created_by=user,
            note=note,
        )
        job = PlanJob.objects.create(
            plan=plan,
            trigger=trigger,
            created_by=user,
            input_set_label=plan.input_set_label,
            input_set_content_hash=plan.input_set_content_hash,
        )
        Run.objects.create(
            plan_version=plan,
            plan_job=job,
            config_version_id=config_version_id,
            input_set=input_set,
            input_set_label=plan.input_set_label,
            input_set_content_hash=plan.input_set_content_hash,
            parameters=plan.parameters,
            trigger=trigger,
            created_by=user,
        )
        if legacy_frames is not None:
            PlanArtifact.objects.create(
                plan=plan,
                name=INPUTS_ARTIFACT,
                payload=inputs_snapshot(legacy_frames, calendar, defaults),
            )
        if not sync:
            transaction.on_commit(lambda: _enqueue(job))
    metrics.plans_created_total.inc()
    if sync:
        plan_execute(job_id=job.pk)
        job.refresh_from_db()
    return job


def _resolve_inputs(config_version_id, label, legacy_input_dir, trigger):
    """``(input_set, legacy_frames, calendar, planning_params)`` for a new plan."""
    if label:
        input_set = PlanningInputSet.objects.filter(label=label).first()
        if input_set is None:
            raise InputSetNotFound(f"Input set '{label}' not found.")
        if input_set.config_version_id != config_version_id:
            raise PlanInputRejected(
                f"Input set '{label}' belongs to config version {input_set.config_version_id}, "
                f"not {config_version_id}.",
                code="input_set_other_config_version",
            )
        if input_set.status != InputSetStatus.READY:
            raise PlanInputRejected(
                f"Input set '{label}' is {input_set.status}; only ready (approved) sets can be "
                "planned.",
                code="input_set_not_ready",
            )
        return input_set, None, input_set.calendar_spec, input_set.planning_params or {}
    if not legacy_input_dir:
        raise PlanInputRejected(
            "An input_set_label is required; legacy mode (planning from loose files) must be "
            "requested explicitly.",
            code="input_set_label_required",
        )
    parsed = parse_bundle(InputBundle.from_path(legacy_input_dir))
    if parsed.errors:
        first = parsed.errors[0]
        raise PlanInputRejected(
            f"Legacy input files are invalid: {first.file}:{first.line} {first.message}",
            code="legacy_input_invalid",
        )
    logger.warning(
        "legacy_mode_detected",
        extra={"entrypoint": trigger, "config_version_id": config_version_id},
    )
    metrics.run_without_input_set_total.labels(entrypoint=trigger).inc()
    frames = {
        name: canonical_frame(SECTIONS_BY_NAME[name], parsed.frames[name])
        for name in TABLE_SECTIONS.values()
        if name in parsed.frames
    }
    return None, frames, parsed.calendar, parsed.params or {}


def _enqueue(job: PlanJob) -> None:
    from django_q.tasks import async_task

    task_id = async_task(
        "plans.tasks.execute_plan_job",
        job.pk,
        task_name=f"plan-{job.plan.version_id}",
        timeout=settings.Q_CLUSTER["timeout"],
    )
    PlanJob.objects.filter(pk=job.pk).update(task_id=task_id or "")
    metrics.jobs_enqueued_total.labels(type="plan").inc()


class _JobProgress:
    """Writes step and percent to the job row; throttled so a step costs one UPDATE."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last: tuple[str, int] | None = None

    def __call__(self, step: str, percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if self.last and self.last[0] == step and percent - self.last[1] < 5:
            return
        self.last = (step, percent)
        PlanJob.objects.filter(pk=self.job_id).update(
            current_step=step, progress=percent, heartbeat_at=timezone.now()
        )


def plan_execute(*, job_id: int, progress: Callable[[str, int], None] | None = None) -> PlanJob:
    """Run the pipeline for a queued job and persist the results.

    Claims the job atomically (queued → running); a job that is no longer queued (canceled,
    or taken by another worker) is left alone. On success: series of every level, KPIs and
    artifacts in one transaction, plan ``executed``, job and run ``succeeded`` with the KPI
    summary, then retention. On failure: job and run ``failed`` with the error text; nothing
    of the plan's results is stored. Never raises for pipeline errors.
    """
    now = timezone.now()
    claimed = PlanJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        current_step="load_inputs",
    )
    job = PlanJob.objects.select_related("plan", "plan__input_set").get(pk=job_id)
    if not claimed:
        return job
    Run.objects.filter(plan_job=job).update(status=JobStatus.RUNNING, started_at=now)
    started = time.monotonic()
    reporter = _JobProgress(job_id)
    try:
        plan = job.plan
        frames, calendar, snapshot = _plan_inputs(plan)
        params = PlanParams(**plan.parameters)

        def on_progress(step: str, percent: int) -> None:
            reporter(step, percent)
            if progress:
                progress(step, percent)

        result = run_pipeline(frames_to_inputs(frames, calendar), params, progress=on_progress)
        reporter("persist", 99)
        with segment_writer(plan=plan, job_id=job.pk) as writer:
            hashes = _write_series(writer, result)
            with transaction.atomic():
                kpis = _persist(plan, result, snapshot, writer, hashes)
                _finish(job, JobStatus.SUCCEEDED, started, kpis=kpis)
        metrics.plans_reconciled_total.inc()
        metrics.jobs_completed_total.labels(type="plan").inc()
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the job, not raised
        logger.exception("planning_job_failed", extra={"job_id": job_id})
        _finish(job, JobStatus.FAILED, started, error=f"{type(exc).__name__}: {exc}")
        metrics.jobs_failed_total.labels(type="plan").inc()
    finally:
        metrics.jobs_duration_seconds.labels(type="plan").observe(time.monotonic() - started)
    if job.status == JobStatus.SUCCEEDED:
        from runs.services import plans_apply_retention, runs_apply_retention

        runs_apply_retention()
        plans_apply_retention()
    return job


def _plan_inputs(plan: PlanVersion):
    """``(frames, calendar, snapshot)``: from the input set, or from the legacy snapshot."""
    if plan.input_set is not None:
        input_set = plan.input_set
        if input_set.content_hash != plan.input_set_content_hash:
            raise PlanInputRejected(
                f"Input set '{input_set.label}' changed since the plan was created.",
                code="input_set_changed",
            )
        frames = input_set_frames(input_set)
        snapshot = inputs_snapshot(
            frames, input_set.calendar_spec, input_set.planning_params, input_set
        )
        return frames, input_set.calendar_spec, snapshot
    stored = PlanArtifact.objects.filter(plan=plan, name=INPUTS_ARTIFACT).first()
    if stored is None:
        raise PlanInputRejected("Legacy plan has no stored inputs.", code="legacy_input_missing")
    return snapshot_frames(stored.payload), stored.payload.get("calendar"), None


def _write_series(writer: SegmentWriter, result) -> dict[str, str]:
    """Write every series level as segments, one level in memory at a time; returns
    ``{level: sha256}``."""
    hashes = {}
    tables = result.series_tables
    for level in list(tables):
        table = tables.pop(level)
        hashes[level] = writer.write_level(level, table)
        del table
    return hashes


def _persist(
    plan: PlanVersion, result, snapshot: dict | None, writer: SegmentWriter, hashes: dict
) -> dict:
    """Store segment rows, KPIs and artifacts of one run (caller holds the transaction);
    the previous results of the plan (and, after commit, their files) go."""
    write_started = time.monotonic()
    PlanSeriesSegment.objects.filter(plan=plan).delete()
    PlanSeries.objects.filter(plan=plan)._raw_delete(PlanSeries.objects.db)
    PlanKPI.objects.filter(plan=plan).delete()
    stale_artifacts = PlanArtifact.objects.filter(plan=plan)
    if snapshot is None:  # legacy plans keep the inputs they were created with
        stale_artifacts = stale_artifacts.exclude(name=INPUTS_ARTIFACT)
    stale_artifacts.delete()
    rows = writer.save_rows()
    PlanKPI.objects.bulk_create(
        [
            PlanKPI(
                plan=plan,
                metric=k["metric"],
                bucket_type=k.get("bucket_type", "total"),
                bucket_key=k.get("bucket_key", "total"),
                value=float(k["value"]),
                unit=k.get("unit", ""),
                source=k.get("source", "pipeline"),
            )
            for k in result.kpis
        ],
        batch_size=1000,
    )
    # rows beyond PLAN_ARTIFACT_MAX_ROWS are never serialised: the series hold them and
    # plan_export rebuilds them (at 2.4 M rows the JSON alone took 7 s and 1.9 GB)
    artifacts = result.to_artifacts(max_rows=settings.PLAN_ARTIFACT_MAX_ROWS)
    artifacts["warnings.json"] = {"warnings": result.warnings}
    if snapshot is not None:
        artifacts[INPUTS_ARTIFACT] = _bounded_snapshot(snapshot)
    artifacts[INPUT_SET_ARTIFACT] = {
        "label": plan.input_set_label or None,
        "input_set_id": plan.input_set_id,
        "content_hash": plan.input_set_content_hash or None,
        "config_version_id": plan.config_version_id,
        "legacy": plan.is_legacy,
    }
    _store_artifacts(plan, artifacts)
    plan.state = PlanState.EXECUTED
    plan.invalid_steps = []
    plan.series_sha256 = hashes
    plan.save(update_fields=["state", "invalid_steps", "series_sha256", "updated_at"])
    metrics.plan_series_rows_total.inc(rows)
    metrics.plan_db_write_latency_seconds.observe(time.monotonic() - write_started)
    return {
        k["metric"]: k["value"] for k in result.kpis if k.get("bucket_type", "total") == "total"
    }


def _bounded_snapshot(snapshot: dict) -> dict:
    """The input snapshot keeps its tables up to ``PLAN_SNAPSHOT_MAX_ROWS`` rows in total;
    beyond that the immutable input set (same id and content hash) is the snapshot."""
    if sum(snapshot["counts"].values()) <= settings.PLAN_SNAPSHOT_MAX_ROWS:
        return snapshot
    return {**snapshot, "tables": {}, "tables_omitted": True}


def _store_artifacts(plan: PlanVersion, artifacts: dict[str, dict]) -> None:
    for name, payload in artifacts.items():
        try:
            with transaction.atomic():
                PlanArtifact.objects.create(plan=plan, name=name, payload=payload)
        except Exception:
            metrics.plan_artifact_write_error_total.labels(artifact=name).inc()
            if name == INPUT_SET_ARTIFACT:
                logger.exception(
                    "planning_job_store_input_set_label_failed", extra={"plan": plan.version_id}
                )
            raise


def _finish(job: PlanJob, status: str, started: float, *, kpis=None, error: str = "") -> None:
    now = timezone.now()
    duration = int((time.monotonic() - started) * 1000)
    PlanJob.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=now,
        duration_ms=duration,
        error=error,
        progress=100 if status == JobStatus.SUCCEEDED else job.progress,
        current_step="done" if status == JobStatus.SUCCEEDED else "failed",
        heartbeat_at=now,
    )
    run_update = {"status": status, "finished_at": now, "duration_ms": duration}
    if kpis is not None:
        run_update["kpis"] = kpis
    Run.objects.filter(plan_job=job).update(**run_update)
    metrics.runs_total.labels(status=status).inc()
    job.status = status


def plan_job_retry(*, job_id: int, user=None) -> PlanJob:
    """Re-run a failed or canceled job as a new job of the same plan (queued)."""
    with transaction.atomic():
        old = PlanJob.objects.select_for_update().select_related("plan").get(pk=job_id)
        if old.status not in (JobStatus.FAILED, JobStatus.CANCELED):
            raise JobStateError(
                f"Only failed or canceled jobs can be retried (job is {old.status})."
            )
        job = PlanJob.objects.create(
            plan=old.plan,
            trigger=old.trigger,
            created_by=user,
            input_set_label=old.plan.input_set_label,
            input_set_content_hash=old.plan.input_set_content_hash,
        )
        run = Run.objects.filter(plan_job=old).first()
        Run.objects.create(
            plan_version=old.plan,
            plan_job=job,
            config_version_id=old.plan.config_version_id,
            input_set_id=old.plan.input_set_id,
            input_set_label=old.plan.input_set_label,
            input_set_content_hash=old.plan.input_set_content_hash,
            parameters=old.plan.parameters,
            trigger=run.trigger if run else old.trigger,
            created_by=user,
        )
        transaction.on_commit(lambda: _enqueue(job))
    return job


def plan_job_cancel(*, job_id: int) -> PlanJob:
    """Cancel a queued job (a running one cannot be interrupted)."""
    updated = PlanJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELED, finished_at=timezone.now(), current_step="canceled"
    )
    job = PlanJob.objects.get(pk=job_id)
    if not updated:
        raise JobStateError(f"Only queued jobs can be canceled (job is {job.status}).")
    Run.objects.filter(plan_job=job).update(status=JobStatus.CANCELED, finished_at=job.finished_at)
    return job


def plan_jobs_recover_stale() -> int:
    """Mark ``running`` jobs whose worker died as failed; returns how many.

    A job is stale when its worker process on this host no longer exists, or when its
    heartbeat is older than the django-q2 timeout (no task may legitimately run longer).
    Called when a cluster worker spawns, so no job stays ``running`` forever; then removes
    the orphan series segments those jobs (or any killed run) left behind.
    """
    host = socket.gethostname()
    limit = timezone.now() - timezone.timedelta(seconds=settings.Q_CLUSTER["timeout"])
    stale = []
    for job in PlanJob.objects.filter(status=JobStatus.RUNNING):
        job_host, _, pid = job.worker.partition(":")
        dead = job_host == host and pid.isdigit() and not _pid_alive(int(pid))
        if dead or (job.heartbeat_at and job.heartbeat_at < limit):
            stale.append(job.pk)
    for job_id in stale:
        job = PlanJob.objects.get(pk=job_id)
        _finish(
            job, JobStatus.FAILED, time.monotonic(), error="Worker stopped before the job finished."
        )
        logger.warning("planning_job_marked_failed", extra={"job_id": job_id})
    # the segment files a dead worker wrote before its transaction committed
    remove_orphan_segments()
    return len(stale)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def plan_state_advance(*, plan: PlanVersion, to: str) -> PlanVersion:
    """Move a plan forward to step ``to`` (draft → aggregated → disaggregated → scheduled →
    executed). Never moves backwards (a lower target keeps the current state); clears the
    invalid marks of the steps up to the new state (reference §2.3). Raises ``ValueError``
    for an unknown step."""
    if to not in PLAN_STEPS:
        raise ValueError(f"Unknown plan step '{to}'.")
    target = max(PLAN_STEPS.index(to), PLAN_STEPS.index(plan.state))
    plan.state = PLAN_STEPS[target]
    plan.invalid_steps = [s for s in plan.invalid_steps if PLAN_STEPS.index(s) > target]
    plan.save(update_fields=["state", "invalid_steps", "updated_at"])
    return plan


def plan_state_invalidate(*, plan: PlanVersion, from_step: str) -> PlanVersion:
    """Set the plan back to ``from_step`` and mark every later step invalid."""
    if from_step not in PLAN_STEPS:
        raise ValueError(f"Unknown plan step '{from_step}'.")
    index = PLAN_STEPS.index(from_step)
    plan.state = from_step
    plan.invalid_steps = PLAN_STEPS[index + 1 :]
    plan.save(update_fields=["state", "invalid_steps", "updated_at"])
    return plan


def plan_delete(*, plan: PlanVersion) -> str:
    """Delete a whole plan (series, KPIs, artifacts, jobs, runs). Refused with
    :class:`JobStateError` while a baseline run points to it. Returns the version id."""
    if Run.objects.filter(plan_version=plan, baseline=True).exists():
        raise JobStateError(
            f"Plan {plan.version_id} is the plan of a baseline run; unset the baseline first.",
            code="plan_is_baseline",
        )
    version_id = plan.version_id
    with transaction.atomic():
        PlanSeries.objects.filter(plan=plan)._raw_delete(PlanSeries.objects.db)
        plan.delete()
    logger.info("plan_version_deleted", extra={"plan": version_id})
    return version_id

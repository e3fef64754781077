"""Plan creation and execution: the one code path for the command, the API, the hub pages and
the django-q2 task.

``plan_create_and_execute`` checks the input set (ready, of that config version — no silent
fallback to other data), creates the plan, its job (kind ``plan``, :mod:`plans.jobs`) and its
run in one transaction, then runs the job inline (``sync``) or enqueues it on commit.
``plan_job_run`` (the job's body) runs the pure-pandas pipeline and stores every series level,
the KPIs and the artifacts in one transaction together with the job's success: a failed or
lost run leaves no half-written plan.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from input_sets.choices import InputSetStatus
from input_sets.exceptions import ConfigVersionNotFound, InputSetNotFound
from input_sets.io.bundle import InputBundle
from input_sets.io.frames import canonical_frame
from input_sets.io.readers import parse_bundle
from input_sets.models import CanonicalConfigVersion, PlanningInputSet
from input_sets.sections import SECTIONS_BY_NAME
from planning_hub import metrics
from planning_hub.jobs.models import Job
from planning_hub.jobs.services import (
    job_cancel,
    job_create,
    job_execute,
    job_retry,
    job_succeed,
    jobs_sweep_stale,
)
from plans.pipeline.dag import run as run_pipeline
from plans.pipeline.params import PlanParams
from runs.models import Run
from runs.services import run_create

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

    Returns the plan's job as a :class:`~plans.models.PlanJob` (finished when ``sync``; queued
    otherwise). Raises
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
        job = job_create(kind="plan", obj=plan, trigger=trigger, user=user, enqueue=not sync)
        run_create(plan=plan, job=job)
        if legacy_frames is not None:
            PlanArtifact.objects.create(
                plan=plan,
                name=INPUTS_ARTIFACT,
                payload=inputs_snapshot(legacy_frames, calendar, defaults),
            )
    metrics.plans_created_total.inc()
    if sync:
        job_execute(job_id=job.pk)
    return PlanJob.objects.get(pk=job.pk)


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


def plan_execute(*, job_id: int, progress: Callable[[str, int], None] | None = None) -> PlanJob:
    """Run the queued plan job ``job_id`` now, in this process (see :func:`plan_job_run`);
    ``progress(step, percent)`` is called with every report. Returns the job, finished (a job
    that was not queued is returned untouched)."""
    job_execute(job_id=job_id, progress=progress)
    return PlanJob.objects.get(pk=job_id)


def plan_job_retry(*, job_id: int, user=None) -> PlanJob:
    """Re-run a failed or canceled plan job as a new queued job (and run) of the same plan;
    :class:`JobStateError` for any other status (see
    :func:`planning_hub.jobs.services.job_retry`)."""
    return PlanJob.objects.get(pk=job_retry(job_id=job_id, user=user).pk)


def plan_job_cancel(*, job_id: int) -> PlanJob:
    """Cancel a queued plan job (a running one cannot be interrupted); :class:`JobStateError`
    otherwise."""
    return PlanJob.objects.get(pk=job_cancel(job_id=job_id).pk)


def plan_jobs_recover_stale() -> int:
    """What a cluster worker does when it starts: mark failed the running jobs whose heartbeat
    is stale (every kind, :func:`~planning_hub.jobs.services.jobs_sweep_stale`), then remove
    the orphan series segments killed runs left behind. Returns how many jobs failed."""
    failed = jobs_sweep_stale()
    remove_orphan_segments()
    return failed


def plan_job_run(*, job: Job, progress: Callable[[str, int], None]) -> dict:
    """The body of a ``plan`` job (called by the job framework once the job is claimed).

    Runs the pipeline for the job's plan and, in one transaction, stores series of every
    level, KPIs and artifacts, moves the plan to ``executed`` and marks the job succeeded with
    ``{"kpis": {metric: value}}``: if the job was meanwhile marked failed (stale heartbeat),
    that transaction rolls back and nothing of the results is visible. Then retention. Raises
    for any failure (the framework records it on the job).
    """
    plan = PlanVersion.objects.select_related("input_set").get(pk=job.object_id)
    frames, calendar, snapshot = _plan_inputs(plan)
    params = PlanParams(**plan.parameters)
    result = run_pipeline(frames_to_inputs(frames, calendar), params, progress=progress)
    progress("persist", 99)
    with segment_writer(plan=plan, job_id=job.pk) as writer:
        hashes = _write_series(writer, result)
        with transaction.atomic():
            kpis = _persist(plan, result, snapshot, writer, hashes)
            job_succeed(job=job, result={"kpis": kpis})
    metrics.plans_reconciled_total.inc()
    metrics.runs_total.labels(status=job.status).inc()
    from runs.services import runs_apply_retention

    runs_apply_retention()
    plans_apply_retention()
    return job.result


def plan_job_failed(*, job: Job) -> None:
    """After a ``plan`` job failed (pipeline error, or its worker died): log it, count the run,
    and remove the segment files a killed run wrote before its transaction could commit."""
    logger.warning("planning_job_failed", extra={"job_id": job.pk, "error": job.error})
    metrics.runs_total.labels(status=job.status).inc()
    remove_orphan_segments()


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


def plans_apply_retention(
    *, max_plans: int | None = None, older_than_days: int | None = None, reason: str = "max_rows"
) -> list[str]:
    """Delete whole plans (header, series, KPIs, artifacts, jobs, runs) beyond the newest
    ``PLANS_DB_MAX_ROWS`` or older than ``older_than_days``; plans a baseline run points to are
    never deleted. Counts ``plan_db_capacity_trim_total{reason}`` and logs
    ``plan_repository_capacity_trim_alert`` when one trim removes at least
    ``PLANS_DB_GUARD_ALERT_THRESHOLD`` plans. Returns the deleted version ids."""
    limit = settings.PLANS_DB_MAX_ROWS if max_plans is None else max_plans
    protected = Exists(Run.objects.filter(plan_version=OuterRef("pk"), baseline=True))
    candidates = PlanVersion.objects.annotate(_protected=protected).filter(_protected=False)
    doomed_ids: set[int] = set()
    if limit and limit > 0:
        newest = PlanVersion.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[
            :limit
        ]
        doomed_ids |= set(candidates.exclude(pk__in=list(newest)).values_list("pk", flat=True))
    if older_than_days is not None:
        cutoff = timezone.now() - timezone.timedelta(days=older_than_days)
        doomed_ids |= set(candidates.filter(created_at__lt=cutoff).values_list("pk", flat=True))
        reason = "age" if not limit else reason
    if not doomed_ids:
        return []
    with transaction.atomic():
        plans = PlanVersion.objects.filter(pk__in=doomed_ids)
        version_ids = list(plans.values_list("version_id", flat=True))
        # series can be millions of rows: raw delete avoids loading them
        PlanSeries.objects.filter(plan__in=doomed_ids)._raw_delete(PlanSeries.objects.db)
        plans.delete()
    metrics.plan_db_capacity_trim_total.labels(reason=reason).inc(len(version_ids))
    metrics.plan_db_last_trim_timestamp.set(time.time())
    logger.info(
        "plan_repository_capacity_trimmed", extra={"count": len(version_ids), "reason": reason}
    )
    if len(version_ids) >= settings.PLANS_DB_GUARD_ALERT_THRESHOLD:
        logger.warning("plan_repository_capacity_trim_alert", extra={"count": len(version_ids)})
    return version_ids

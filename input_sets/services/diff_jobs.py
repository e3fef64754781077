"""Diff jobs: the one diff service behind the command, the API, admin and the hub page.

``input_set_diff_request`` answers from the database cache when a fresh result exists for the
exact pair of contents, else starts (at most) one job (kind ``diff``, :mod:`input_sets.jobs`)
per pair; the unique key (set A, hash A, set B, hash B) is the lock, so no lock files.
``input_set_diff_compute`` (the job's body) computes the keyed merge per section and stores
every changed row for paging. Status, progress, heartbeat and stale recovery are the job
framework's (:mod:`planning_hub.jobs`), so a diff whose worker died fails and is recomputed.
Runbook ``003`` §6; reference_features §1.8, §2.1.
"""

import logging
import time

import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import EventAction
from audit.services import event_record
from planning_hub import metrics
from planning_hub.bulk import insert_frame
from planning_hub.jobs.models import ACTIVE_JOB_STATUSES, Job, JobStatus
from planning_hub.jobs.services import job_create, job_execute, job_succeed

from ..io.frames import load_section
from ..models import InputSetDiff, InputSetDiffRow, PlanningInputSet
from ..sections import SECTIONS
from .diffing import diff_frames

logger = logging.getLogger(__name__)


def input_set_diff_request(
    *,
    input_set: PlanningInputSet,
    against: PlanningInputSet,
    force: bool = False,
    sync: bool = False,
) -> InputSetDiff:
    """Return the diff of ``input_set`` against ``against`` for their *current* contents.

    - fresh cached result (succeeded, younger than ``INPUT_SET_DIFF_TTL_SECONDS``) → returned
      as is, counted in ``input_set_diff_cache_hits_total`` (unless ``force``);
    - a job for the pair already queued or running → returned (no second job);
    - otherwise (no result, stale, failed, ``force``) → one new run, queued for a worker or,
      with ``sync``, computed before returning; stale/failed reuse counts in
      ``input_set_diff_cache_stale_total``.
    """
    key = {
        "input_set": input_set,
        "content_hash": input_set.content_hash,
        "against": against,
        "against_content_hash": against.content_hash,
    }
    diff = InputSetDiff.objects.filter(**key).select_related("job").first()
    if diff is None:
        try:
            with transaction.atomic():
                diff = InputSetDiff.objects.create(**key)
                _new_job(diff, sync)
        except IntegrityError:  # a concurrent request created it first: use theirs
            return InputSetDiff.objects.select_related("job").get(**key)
        return _finish_start(diff, sync)
    if diff.status in ACTIVE_JOB_STATUSES:
        return diff
    if not force and is_fresh(diff):
        metrics.input_set_diff_cache_hits_total.inc()
        return diff
    metrics.input_set_diff_cache_stale_total.inc()
    with transaction.atomic():
        locked = (
            InputSetDiff.objects.select_for_update(of=("self",))
            .select_related("job")
            .get(pk=diff.pk)
        )
        if locked.status in ACTIVE_JOB_STATUSES:  # restarted by a concurrent request
            return locked
        _new_job(locked, sync)
    return _finish_start(locked, sync)


def is_fresh(diff: InputSetDiff) -> bool:
    """Succeeded and younger than the TTL."""
    ttl = timezone.timedelta(seconds=settings.INPUT_SET_DIFF_TTL_SECONDS)
    return (
        diff.status == JobStatus.SUCCEEDED
        and diff.finished_at is not None
        and diff.finished_at >= timezone.now() - ttl
    )


def _new_job(diff: InputSetDiff, sync: bool) -> None:
    """A new queued ``diff`` job for ``diff`` (caller holds the transaction); enqueued on
    commit unless it is run inline."""
    diff.job = job_create(kind="diff", obj=diff, enqueue=not sync)
    diff.save(update_fields=["job"])


def _finish_start(diff: InputSetDiff, sync: bool) -> InputSetDiff:
    if sync:
        job_execute(job_id=diff.job_id)
    return InputSetDiff.objects.select_related("job").get(pk=diff.pk)


def input_set_diff_compute(*, job: Job, progress) -> dict:
    """The body of a ``diff`` job: compute and store one diff. In one transaction: the
    changed rows, the summary and the job's success (``{"diff_id": id}``), so a diff whose job
    was lost stores nothing. Counts ``input_set_diff_jobs_total{result="success"}`` and the
    duration. Raises for any failure (the framework records it on the job)."""
    diff = InputSetDiff.objects.select_related("input_set", "against").get(pk=job.object_id)
    started = time.monotonic()
    current = {s.name: load_section(diff.input_set_id, s) for s in SECTIONS}
    other = {s.name: load_section(diff.against_id, s) for s in SECTIONS}
    progress("compare", 50)
    sections = diff_frames(current, other)
    with transaction.atomic():
        InputSetDiffRow.objects.filter(diff_id=diff.pk).delete()
        insert_frame(
            InputSetDiffRow, _rows_frame(sections), fields=ROW_FIELDS, fixed={"diff_id": diff.pk}
        )
        InputSetDiff.objects.filter(pk=diff.pk).update(summary=_summary(diff, sections))
        job_succeed(job=job, result={"diff_id": diff.pk})
    metrics.input_set_diff_jobs_total.labels(result="success").inc()
    metrics.input_set_diff_duration_seconds.observe(time.monotonic() - started)
    return job.result


def input_set_diff_execute(*, diff_id: int) -> InputSetDiff:
    """Run the queued job of diff ``diff_id`` now (tasks queued before the job framework);
    returns the diff."""
    diff = InputSetDiff.objects.get(pk=diff_id)
    if diff.job_id:
        job_execute(job_id=diff.job_id)
    return InputSetDiff.objects.select_related("job").get(pk=diff_id)


ROW_FIELDS = ["section", "kind", "key", "columns", "current", "previous"]


def _rows_frame(sections: dict) -> pd.DataFrame:
    records = []
    for name, result in sections.items():
        keys = next(s.key for s in SECTIONS if s.name == name)
        for row in result["added"]:
            records.append((name, "added", {k: row[k] for k in keys}, [], row, None))
        for row in result["removed"]:
            records.append((name, "removed", {k: row[k] for k in keys}, [], None, row))
        for change in result["changed"]:
            records.append(
                (
                    name,
                    "changed",
                    change["key"],
                    change["columns"],
                    change["current"],
                    change["previous"],
                )
            )
    return pd.DataFrame.from_records(records, columns=ROW_FIELDS)


def _summary(diff: InputSetDiff, sections: dict) -> dict:
    counts = {name: result["counts"] for name, result in sections.items()}
    return {
        "current": {"label": diff.input_set.label, "content_hash": diff.content_hash},
        "other": {"label": diff.against.label, "content_hash": diff.against_content_hash},
        "identical": diff.content_hash == diff.against_content_hash,
        "calendar_changed": diff.input_set.calendar_spec != diff.against.calendar_spec,
        "params_changed": (diff.input_set.planning_params or {})
        != (diff.against.planning_params or {}),
        "sections": counts,
    }


def input_set_diff_failed(*, job: Job) -> None:
    """After a ``diff`` job failed (error, or its worker died): log
    ``input_set_diff_job_failed``, record a ``diff`` event on the set with the failure and
    count it (a diff purged meanwhile only logs)."""
    diff = (
        InputSetDiff.objects.select_related("input_set", "against").filter(pk=job.object_id).first()
    )
    if diff is None:  # purged meanwhile: nothing to record it on
        logger.warning("input_set_diff_job_failed", extra={"job_id": job.pk, "error": job.error})
        return
    logger.warning(
        "input_set_diff_job_failed",
        extra={
            "diff_job_id": diff.pk,
            "job_id": job.pk,
            "input_set": diff.input_set.label,
            "against": diff.against.label,
            "error": job.error,
        },
    )
    with transaction.atomic():
        event_record(
            input_set=diff.input_set,
            action=EventAction.DIFF,
            actor="diff_worker",
            comment=f"Diff against {diff.against.label} failed.",
            metadata={
                "diff_job_id": diff.pk,
                "job_id": job.pk,
                "against": diff.against.label,
                "result": "failure",
                "error": job.error,
            },
        )
    metrics.input_set_diff_jobs_total.labels(result="failure").inc()


def input_set_diff_report(diff: InputSetDiff) -> dict:
    """A finished diff as one JSON document (``diff_report.json``): the summary plus, per
    section, ``added`` / ``removed`` rows and ``changed`` entries ``{key, columns, current,
    previous}``."""
    report = {**diff.summary, "sections": {}}
    counts = diff.summary.get("sections", {})
    for section in SECTIONS:
        rows = InputSetDiffRow.objects.filter(diff=diff, section=section.name).order_by("id")
        entry = {"counts": counts.get(section.name, {}), "added": [], "removed": [], "changed": []}
        for row in rows.iterator(chunk_size=5000):
            if row.kind == "added":
                entry["added"].append(row.current)
            elif row.kind == "removed":
                entry["removed"].append(row.previous)
            else:
                entry["changed"].append(
                    {
                        "key": row.key,
                        "columns": row.columns,
                        "current": row.current,
                        "previous": row.previous,
                    }
                )
        report["sections"][section.name] = entry
    return report


def input_set_diffs_purge(*, label: str | None = None) -> int:
    """Delete cached diffs (of one set, on either side, or all) with their rows and jobs;
    returns how many diffs."""
    diffs = InputSetDiff.objects.all()
    if label:
        diffs = diffs.filter(input_set__label=label) | diffs.filter(against__label=label)
    count = diffs.count()
    InputSetDiffRow.objects.filter(diff__in=diffs.values("pk")).delete()
    diffs.delete()  # and their jobs (InputSetDiff.jobs)
    return count

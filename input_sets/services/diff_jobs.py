"""Diff jobs: the one diff service behind the command, the API, admin and the hub page.

``input_set_diff_request`` answers from the database cache when a fresh result exists for the
exact pair of contents, else starts (at most) one django-q2 job per pair; the unique key
(set A, hash A, set B, hash B) is the lock, so no lock files. ``input_set_diff_execute``
(the task) computes the keyed merge per section and stores every changed row for paging.
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

from ..io.frames import load_section
from ..models import DiffStatus, InputSetDiff, InputSetDiffRow, PlanningInputSet
from ..sections import SECTIONS
from .diffing import diff_frames

logger = logging.getLogger(__name__)
ACTIVE = (DiffStatus.QUEUED, DiffStatus.RUNNING)


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
    diff = InputSetDiff.objects.filter(**key).first()
    if diff is None:
        try:
            with transaction.atomic():
                diff = InputSetDiff.objects.create(**key)
        except IntegrityError:  # a concurrent request created it first: use theirs
            return InputSetDiff.objects.get(**key)
        return _start(diff, sync)
    if diff.status in ACTIVE:
        return diff
    if not force and is_fresh(diff):
        metrics.input_set_diff_cache_hits_total.inc()
        return diff
    metrics.input_set_diff_cache_stale_total.inc()
    restarted = InputSetDiff.objects.filter(
        pk=diff.pk, status__in=[DiffStatus.SUCCEEDED, DiffStatus.FAILED]
    ).update(
        status=DiffStatus.QUEUED, requested_at=timezone.now(), error="", progress=0, current_step=""
    )
    diff.refresh_from_db()
    return _start(diff, sync) if restarted else diff


def is_fresh(diff: InputSetDiff) -> bool:
    """Succeeded and younger than the TTL."""
    ttl = timezone.timedelta(seconds=settings.INPUT_SET_DIFF_TTL_SECONDS)
    return (
        diff.status == DiffStatus.SUCCEEDED
        and diff.finished_at is not None
        and diff.finished_at >= timezone.now() - ttl
    )


def _start(diff: InputSetDiff, sync: bool) -> InputSetDiff:
    if sync:
        input_set_diff_execute(diff_id=diff.pk)
    else:
        transaction.on_commit(lambda: _enqueue(diff.pk))
    diff.refresh_from_db()
    return diff


def _enqueue(diff_id: int) -> None:
    from django_q.tasks import async_task

    task_id = async_task(
        "input_sets.tasks.run_input_set_diff", diff_id, task_name=f"diff-{diff_id}"
    )
    InputSetDiff.objects.filter(pk=diff_id).update(task_id=task_id or "")
    metrics.jobs_enqueued_total.labels(type="diff").inc()


def input_set_diff_execute(*, diff_id: int) -> InputSetDiff:
    """Compute and store one diff (the django-q2 task body). Claims the job (queued →
    running); on failure logs ``input_set_diff_job_failed`` with the job id, records a
    ``diff`` event on the set with that metadata, and counts the failure. Never raises."""
    claimed = InputSetDiff.objects.filter(pk=diff_id, status=DiffStatus.QUEUED).update(
        status=DiffStatus.RUNNING, started_at=timezone.now(), current_step="load"
    )
    diff = InputSetDiff.objects.select_related("input_set", "against").get(pk=diff_id)
    if not claimed:
        return diff
    started = time.monotonic()
    try:
        current = {s.name: load_section(diff.input_set_id, s) for s in SECTIONS}
        other = {s.name: load_section(diff.against_id, s) for s in SECTIONS}
        InputSetDiff.objects.filter(pk=diff_id).update(current_step="compare", progress=50)
        sections = diff_frames(current, other)
        with transaction.atomic():
            InputSetDiffRow.objects.filter(diff_id=diff_id).delete()
            insert_frame(
                InputSetDiffRow,
                _rows_frame(sections),
                fields=ROW_FIELDS,
                fixed={"diff_id": diff_id},
            )
            duration = time.monotonic() - started
            InputSetDiff.objects.filter(pk=diff_id).update(
                status=DiffStatus.SUCCEEDED,
                summary=_summary(diff, sections),
                finished_at=timezone.now(),
                duration_ms=int(duration * 1000),
                progress=100,
                current_step="done",
            )
        metrics.input_set_diff_jobs_total.labels(result="success").inc()
        metrics.input_set_diff_duration_seconds.observe(duration)
        metrics.jobs_completed_total.labels(type="diff").inc()
    except Exception as exc:  # noqa: BLE001 — a failed diff is recorded, never raised
        _fail(diff, exc, started)
    diff.refresh_from_db()
    return diff


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


def _fail(diff: InputSetDiff, exc: Exception, started: float) -> None:
    error = f"{type(exc).__name__}: {exc}"
    logger.exception(
        "input_set_diff_job_failed",
        extra={
            "diff_job_id": diff.pk,
            "input_set": diff.input_set.label,
            "against": diff.against.label,
        },
    )
    with transaction.atomic():
        InputSetDiff.objects.filter(pk=diff.pk).update(
            status=DiffStatus.FAILED,
            error=error,
            finished_at=timezone.now(),
            duration_ms=int((time.monotonic() - started) * 1000),
            current_step="failed",
        )
        event_record(
            input_set=diff.input_set,
            action=EventAction.DIFF,
            actor="diff_worker",
            comment=f"Diff against {diff.against.label} failed.",
            metadata={
                "diff_job_id": diff.pk,
                "against": diff.against.label,
                "result": "failure",
                "error": error,
            },
        )
    metrics.input_set_diff_jobs_total.labels(result="failure").inc()
    metrics.jobs_failed_total.labels(type="diff").inc()


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
    """Delete cached diffs (of one set, on either side, or all); returns how many."""
    diffs = InputSetDiff.objects.all()
    if label:
        diffs = diffs.filter(input_set__label=label) | diffs.filter(against__label=label)
    count = diffs.count()
    InputSetDiffRow.objects.filter(diff__in=diffs.values("pk")).delete()
    diffs.delete()
    return count

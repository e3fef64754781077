"""Run registry services: create, retention of runs, review flags, KPI comparison (seed
``004``). Plans call in here; nothing here imports plans (the plan is reached through
``Run.plan_version``)."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from planning_hub.errors import DomainError

from .models import Run

logger = logging.getLogger(__name__)

DEFAULT_COMPARE_KEYS = (
    "fill_rate",
    "demand_total",
    "supply_total",
    "backlog_total",
    "unserved_spill",
)


class RunNotFound(DomainError, LookupError):
    code = "run_not_found"
    http_status = 404


def run_create(*, plan, job) -> Run:
    """Record the run of ``plan`` executed by ``job`` (a ``plan`` job); status, times, trigger
    and KPIs are read from the job, inputs and parameters from the plan."""
    return Run.objects.create(plan_version=plan, plan_job=job)


def runs_apply_retention(*, max_rows: int | None = None) -> int:
    """Delete the oldest runs beyond ``RUNS_DB_MAX_ROWS`` (0 = keep all); baselines are never
    deleted and do not count against the limit. Returns the number deleted."""
    limit = settings.RUNS_DB_MAX_ROWS if max_rows is None else max_rows
    if limit <= 0:
        return 0
    keep = Run.objects.filter(baseline=False).order_by("-created_at", "-id").values("pk")[:limit]
    doomed = Run.objects.filter(baseline=False).exclude(
        pk__in=list(keep.values_list("pk", flat=True))
    )
    deleted, _ = doomed.delete()
    return deleted


def run_get(*, run_id: str) -> Run:
    try:
        return Run.objects.select_related(
            "plan_version__input_set", "plan_version__config_version", "plan_job"
        ).get(run_id=run_id)
    except Run.DoesNotExist:
        raise RunNotFound(f"Run '{run_id}' not found.") from None


def run_approve(*, run_id: str, approver: str) -> Run:
    """Stamp ``approved_by``/``approved_at`` (log ``run_approved``)."""
    run = run_get(run_id=run_id)
    run.approved_by, run.approved_at = approver, timezone.now()
    run.save(update_fields=["approved_by", "approved_at"])
    logger.info("run_approved", extra={"run_id": run_id, "approver": approver})
    return run


def run_set_baseline(*, run_id: str) -> Run:
    """Make this run the baseline of its config version (the previous one is unset)."""
    with transaction.atomic():
        run = run_get(run_id=run_id)
        Run.objects.filter(
            plan_version__config_version_id=run.config_version_id, baseline=True
        ).exclude(pk=run.pk).update(baseline=False)
        run.baseline = True
        run.save(update_fields=["baseline"])
    logger.info("run_promoted_baseline", extra={"run_id": run_id})
    return run


def run_set_archived(*, run_id: str, archived: bool = True) -> Run:
    run = run_get(run_id=run_id)
    run.archived = archived
    run.save(update_fields=["archived"])
    logger.info("run_archived" if archived else "run_unarchived", extra={"run_id": run_id})
    return run


def run_set_note(*, run_id: str, note: str) -> Run:
    run = run_get(run_id=run_id)
    run.note = note
    run.save(update_fields=["note"])
    logger.info("run_note_saved", extra={"run_id": run_id})
    return run


def runs_compare(
    *, run_ids: list[str], keys: list[str] | None = None, threshold: float | None = None
) -> dict:
    """KPI deltas of each run against the first (the base).

    Returns ``{keys, threshold, base, metrics: [{run_id, <key>: value}], diffs: [{base, target,
    <key>: {abs, pct, hit}}]}``: ``abs`` = target − base, ``pct`` = 100·abs/|base| (null when
    the base is 0), ``hit`` = |pct| ≥ threshold (percent; null without threshold).
    Raises ``ValueError`` for fewer than two runs and :class:`RunNotFound` for unknown ids.
    """
    if len(run_ids) < 2:
        raise ValueError("Compare needs at least two run ids.")
    runs = {r.run_id: r for r in Run.objects.filter(run_id__in=run_ids).select_related("plan_job")}
    missing = [r for r in run_ids if r not in runs]
    if missing:
        raise RunNotFound(f"Run(s) not found: {', '.join(missing)}.")
    keys = list(keys or DEFAULT_COMPARE_KEYS)
    rows = [{"run_id": rid, **{k: runs[rid].kpis.get(k) for k in keys}} for rid in run_ids]
    base = rows[0]
    diffs = []
    for target in rows[1:]:
        diff = {"base": base["run_id"], "target": target["run_id"]}
        for key in keys:
            a, b = base[key], target[key]
            if a is None or b is None:
                diff[key] = {"abs": None, "pct": None, "hit": None}
                continue
            delta = b - a
            pct = None if a == 0 else 100.0 * delta / abs(a)
            hit = None if threshold is None or pct is None else abs(pct) >= threshold
            diff[key] = {"abs": delta, "pct": pct, "hit": hit}
        diffs.append(diff)
    return {
        "keys": keys,
        "threshold": threshold,
        "base": base["run_id"],
        "metrics": rows,
        "diffs": diffs,
    }

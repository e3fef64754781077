"""Run registry services: retention, run review flags, KPI comparison (seed ``004``)."""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from planning_hub import metrics
from plans.models import PlanVersion

from .models import Run

logger = logging.getLogger(__name__)

DEFAULT_COMPARE_KEYS = (
    "fill_rate",
    "demand_total",
    "supply_total",
    "backlog_total",
    "unserved_spill",
)


class RunNotFound(LookupError):
    code = "run_not_found"


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
        from plans.models import PlanSeries

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


def run_get(*, run_id: str) -> Run:
    try:
        return Run.objects.select_related(
            "plan_version", "plan_job", "input_set", "config_version"
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
        Run.objects.filter(config_version=run.config_version, baseline=True).exclude(
            pk=run.pk
        ).update(baseline=False)
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
    runs = {r.run_id: r for r in Run.objects.filter(run_id__in=run_ids)}
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

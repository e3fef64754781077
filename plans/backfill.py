"""Move legacy row-per-cell plan series into the columnar store (issue 9 item 5; seed ``002``
T5-1, the backfill of an earlier storage change).

Plans made before the columnar store keep their series as :class:`~plans.models.PlanSeries`
rows (one per level × bucket × item, spec ``planning_pipeline.md`` §12.2).
:func:`plan_series_backfill` rebuilds, per plan and level, the level's narrow table
(:mod:`plans.pipeline.series_tables`, the inverse of
:func:`~plans.pipeline.series_tables.series_rows`), writes it as segments through
:class:`~plans.series_store.SegmentWriter` and, in one transaction per plan, inserts the
segment rows, sets ``PlanVersion.series_sha256`` and deletes the plan's ``PlanSeries`` rows.
Files of a plan whose transaction fails are deleted again. A plan that already has segments
is skipped, so running it again is harmless. The ``PlanSeries`` table itself stays until a
later migration drops it.
"""

from __future__ import annotations

import hashlib
import logging
import math

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count

from planning_hub.jobs.models import Job

from .models import PlanSeries, PlanSeriesSegment, PlanVersion, SeriesLevel
from .pipeline.series_tables import LEVELS, SERIES_COLUMNS, sort_table
from .series_store import segment_writer

logger = logging.getLogger(__name__)

# the row fields read back from PlanSeries (the §12.2 row shape; level and bucket type are
# known from the level)
_ROW_FIELDS = tuple(c for c in SERIES_COLUMNS if c not in ("level", "time_bucket_type"))
# columns that hold text (keys, zone) or lists; every other column is a number
_TEXT_COLUMNS = {"family", "period", "sku", "week", "item", "zone"}
_LIST_COLUMNS = {"families", "periods"}
# legacy plans always stored these levels; a level without rows had no rows to store
_LEGACY_LEVELS = tuple(SeriesLevel.values)
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class BackfillError(Exception):
    """A plan's legacy rows cannot be turned into the level tables (reported, not raised)."""


class _AlreadyMoved(Exception):
    """The plan got segments while its rows were being converted (re-executed meanwhile)."""


# ---------------------------------------------------------------------- rows → table
def legacy_table(level: str, rows: pd.DataFrame) -> pd.DataFrame:
    """The narrow table of ``level`` rebuilt from legacy rows (the inverse of
    :func:`~plans.pipeline.series_tables.series_rows`), in store order.

    ``rows`` has the :data:`_ROW_FIELDS` columns. Each table column comes from ``extra``
    when the level keeps it there (unrounded values), else from the row field that
    ``LEVELS[level].rows`` maps it to; key columns from ``item_key`` / ``time_bucket_key``.
    Numbers are ``int64`` where every value is an integer (lot sizes, lead times), else
    ``float64`` (null → NaN); ``*_adj`` columns are always floats. Raises
    :class:`BackfillError` for an unknown level, rows with a location other than ``global``,
    duplicate keys or a column that cannot be found."""
    try:
        schema = LEVELS[level]
    except KeyError:
        raise BackfillError(f"unknown series level '{level}'") from None
    locations = set(rows["location_key"].unique().tolist()) - {"global"}
    if locations:
        raise BackfillError(
            f"level {level}: locations {sorted(locations)[:3]} cannot be stored (global only)"
        )
    keys = ["item_key", "time_bucket_key"]
    dup = rows.duplicated(keys)
    if dup.any():
        first = rows.loc[dup, keys].iloc[0].tolist()
        raise BackfillError(f"level {level}: duplicate rows for item/bucket {first}")
    extras = rows["extra"].tolist()
    field_of = {col: name for name, col in schema.rows.items() if "|" not in col}
    out: dict[str, object] = {}
    for column in schema.columns:
        if column == schema.item:
            values = rows["item_key"].to_numpy(dtype=object)
        elif column == schema.bucket:
            values = rows["time_bucket_key"].to_numpy(dtype=object)
        elif column in schema.extra or column in schema.optional_extra:
            values = [(e or {}).get(column, _MISSING) for e in extras]
            if any(v is _MISSING for v in values):
                values = _fill_missing(level, column, values, schema, rows, field_of)
        elif column in field_of:
            values = rows[field_of[column]].to_numpy()
        else:
            raise BackfillError(f"level {level}: no source for column '{column}'")
        out[column] = _typed(column, values)
    table = pd.DataFrame(out, columns=list(schema.columns))
    return sort_table(level, table)


_MISSING = object()


def _fill_missing(level, column, values, schema, rows, field_of) -> list:
    """Rows whose ``extra`` lacks ``column``: null for an optional key, else the row field
    the column is shown as (rounded to 6 decimals); an error if there is none."""
    if column in schema.optional_extra:
        return [None if v is _MISSING else v for v in values]
    if column not in field_of:
        raise BackfillError(f"level {level}: rows without extra '{column}'")
    fallback = rows[field_of[column]].tolist()
    return [f if v is _MISSING else v for v, f in zip(values, fallback, strict=True)]


def _is_null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _typed(column: str, values) -> np.ndarray:
    values = list(values)
    if column in _LIST_COLUMNS:
        out = np.empty(len(values), dtype=object)  # not np.array: equal lists would go 2-d
        for i, v in enumerate(values):
            out[i] = None if _is_null(v) else list(v)
        return out
    if column in _TEXT_COLUMNS:
        return np.array([None if _is_null(v) else str(v) for v in values], dtype=object)
    if not column.endswith("_adj") and all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values
    ):
        return np.array(values, dtype=np.int64)
    return np.array([np.nan if _is_null(v) else float(v) for v in values], dtype=float)


def _legacy_frame(plan_id: int, level: str) -> pd.DataFrame:
    records = (
        PlanSeries.objects.filter(plan_id=plan_id, level=level)
        .order_by("item_key", "time_bucket_key", "id")
        .values_list(*_ROW_FIELDS)
        .iterator(chunk_size=20_000)
    )
    return pd.DataFrame.from_records(list(records), columns=list(_ROW_FIELDS))


# ---------------------------------------------------------------------- one plan
def _levels_of(plan_id: int) -> dict[str, int]:
    counts = (
        PlanSeries.objects.filter(plan_id=plan_id)
        .values_list("level")
        .order_by("level")
        .annotate(n=Count("id"))
    )
    return dict(counts)


def _latest_job_id(plan_id: int) -> int:
    job = Job.objects.filter(kind="plan", plan__pk=plan_id).order_by("-submitted_at", "-id").first()
    return job.pk if job else 0


def _move_plan(plan: PlanVersion, *, dry_run: bool) -> int:
    """Move one plan's rows; returns how many rows were (or, dry run, would be) moved. One
    level is in memory at a time; files written before a failure are deleted again."""
    counts = _levels_of(plan.pk)
    total = sum(counts.values())
    if dry_run:
        for level in counts:
            legacy_table(level, _legacy_frame(plan.pk, level))  # would it convert?
        return total
    with segment_writer(plan=plan, job_id=_latest_job_id(plan.pk)) as writer:
        hashes = {}
        for level in sorted(set(counts) | set(_LEGACY_LEVELS)):
            if level not in counts:  # no rows: the hash of an empty level
                hashes[level] = _EMPTY_SHA256
                continue
            table = legacy_table(level, _legacy_frame(plan.pk, level))
            hashes[level] = writer.write_level(level, table)
            del table
        with transaction.atomic():
            locked = PlanVersion.objects.select_for_update().get(pk=plan.pk)
            if PlanSeriesSegment.objects.filter(plan=locked).exists():
                raise _AlreadyMoved
            moved = writer.save_rows()
            deleted = PlanSeries.objects.filter(plan=locked)._raw_delete(PlanSeries.objects.db)
            if deleted != total or moved != total:
                raise BackfillError(
                    f"rows changed during the backfill ({total} read, {moved} written, "
                    f"{deleted} deleted)"
                )
            locked.series_sha256 = hashes
            locked.save(update_fields=["series_sha256", "updated_at"])
    return total


# ---------------------------------------------------------------------- service
def plan_series_backfill(
    *, dry_run: bool = False, limit: int | None = None, resume_from: str | None = None
) -> dict:
    """Move the legacy ``PlanSeries`` rows of every plan that has some into segments.

    Plans are taken in ``version_id`` order (which is creation order); ``resume_from`` starts
    at that version (inclusive; a version id that does not exist raises ``ValueError``) and
    ``limit`` stops after that many plans (skipped and failed ones count). A plan that
    already has segments is skipped; a plan that fails (unconvertible rows, storage or
    database error) keeps its rows and is listed in ``failed``; the others are still moved.
    With ``dry_run`` the rows are read and converted but nothing is written.

    Returns ``{dry_run, plans_seen, plans_moved, plans_skipped, rows_moved, failed:
    [{plan, error}], moved: [version_id, ...], skipped: [version_id, ...]}``; for a dry run
    ``plans_moved`` / ``rows_moved`` are what would move.
    """
    if limit is not None and limit < 0:
        raise ValueError("--limit must be 0 or more.")
    plans = PlanVersion.objects.filter(
        pk__in=PlanSeries.objects.values("plan_id").distinct()
    ).order_by("version_id")
    if resume_from:
        if not PlanVersion.objects.filter(version_id=resume_from).exists():
            raise ValueError(f"Plan version '{resume_from}' (--resume-from) not found.")
        plans = plans.filter(version_id__gte=resume_from)
    if limit is not None:
        plans = plans[:limit]
    report = {
        "dry_run": dry_run,
        "plans_seen": 0,
        "plans_moved": 0,
        "plans_skipped": 0,
        "rows_moved": 0,
        "failed": [],
        "moved": [],
        "skipped": [],
    }
    logger.info("series_backfill_started", extra={"dry_run": dry_run, "resume_from": resume_from})
    for plan in list(plans):
        report["plans_seen"] += 1
        if PlanSeriesSegment.objects.filter(plan=plan).exists():
            logger.info("series_backfill_skip_existing", extra={"plan": plan.version_id})
            report["plans_skipped"] += 1
            report["skipped"].append(plan.version_id)
            continue
        try:
            rows = _move_plan(plan, dry_run=dry_run)
        except _AlreadyMoved:
            report["plans_skipped"] += 1
            report["skipped"].append(plan.version_id)
            continue
        except Exception as exc:  # noqa: BLE001 — one bad plan must not stop the others
            logger.exception("series_backfill_plan_failed", extra={"plan": plan.version_id})
            report["failed"].append(
                {"plan": plan.version_id, "error": f"{type(exc).__name__}: {exc}"}
            )
            continue
        report["plans_moved"] += 1
        report["rows_moved"] += rows
        report["moved"].append(plan.version_id)
        logger.info(
            "series_backfill_plan_moved",
            extra={"plan": plan.version_id, "rows": rows, "dry_run": dry_run},
        )
    logger.info(
        "series_backfill_completed",
        extra={k: report[k] for k in ("plans_seen", "plans_moved", "plans_skipped", "rows_moved")},
    )
    return report

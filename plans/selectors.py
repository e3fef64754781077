"""Read-only queries on plans, jobs, their KPIs and their series."""

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import OuterRef, QuerySet, Subquery

from runs.models import Run

from .models import PlanJob, PlanKPI, PlanSeriesSegment, PlanVersion
from .pipeline.series_tables import SUMMARY_ITEM, level_schema, series_rows
from .series_store import open_segment, row_groups_for_items


def plan_kpi_totals(*, plan_id: int) -> dict[str, float]:
    """``{metric: value}`` of the plan's total-bucket KPIs."""
    return dict(
        PlanKPI.objects.filter(plan_id=plan_id, bucket_type="total").values_list("metric", "value")
    )


def _kpi(metric: str) -> Subquery:
    return Subquery(
        PlanKPI.objects.filter(plan=OuterRef("pk"), metric=metric, bucket_type="total").values(
            "value"
        )[:1]
    )


def _last_job(field: str) -> Subquery:
    return Subquery(
        PlanJob.objects.filter(object_id=OuterRef("pk"))
        .order_by("-submitted_at", "-id")
        .values(field)[:1]
    )


def plans_with_summary() -> QuerySet[PlanVersion]:
    """Plans newest first, each annotated with ``fill_rate`` and ``backlog_total`` (total
    KPIs, pieces / ratio, null before a run) and ``last_job_id`` / ``last_job_status`` (its
    newest job), in one query per page (hub list and API)."""
    return PlanVersion.objects.annotate(
        fill_rate=_kpi("fill_rate"),
        backlog_total=_kpi("backlog_total"),
        last_job_id=_last_job("id"),
        last_job_status=_last_job("status"),
    ).order_by("-created_at", "-id")


def plan_summary(*, job: PlanJob) -> dict:
    """The ``create_plan --json`` payload: ``{plan_version, run_id, job: {id, status, progress,
    current_step, error}, status, input_set: {label, content_hash, id}, legacy, kpis: {fill_rate,
    demand_total, supply_total, backlog_total, …}}``."""
    plan = job.plan
    run = Run.objects.filter(plan_job=job).only("run_id").first()
    return {
        "plan_version": plan.version_id,
        "run_id": run.run_id if run else None,
        "job": {
            "id": job.pk,
            "status": job.status,
            "progress": job.progress,
            "current_step": job.current_step,
            "error": job.error or None,
        },
        "status": job.status,
        "input_set": {
            "id": plan.input_set_id,
            "label": plan.input_set_label or None,
            "content_hash": plan.input_set_content_hash or None,
        },
        "legacy": plan.is_legacy,
        "kpis": plan_kpi_totals(plan_id=plan.pk),
    }


# ---------------------------------------------------------------------- plan series
@dataclass
class SeriesPage:
    """One read of a plan series level: ``table`` holds the level's own columns
    (:mod:`plans.pipeline.series_tables`) in store order (item, then bucket); ``total`` is
    the number of rows matching the filters before ``offset``/``limit``."""

    level: str
    table: pd.DataFrame
    total: int

    def rows(self) -> list[dict]:
        """The rows in the §12.2 row shape, JSON-ready: ``{level, time_bucket_type,
        time_bucket_key, item_key, location_key, demand, supply, backlog, inventory_open,
        inventory_close, capacity_used, spill_in, spill_out, boundary_zone, extra}`` (pieces;
        spill_in/out null where the level has none). Needs every column of the level."""
        frame = series_rows(self.level, self.table)
        records = frame.to_dict("records")
        for record in records:
            for key in ("spill_in", "spill_out"):
                if record[key] != record[key]:  # NaN
                    record[key] = None
        return records


def plan_series_read(
    *,
    plan: PlanVersion,
    level: str,
    items: Iterable[str] | None = None,
    bucket_from: str | None = None,
    bucket_to: str | None = None,
    columns: Iterable[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> SeriesPage:
    """The one read path of plan series (API ``series/``, hub plan page, ``plan_export``, run
    compare, planner overlays).

    ``items``: item keys (family, SKU or item codes; ``summary`` for ``weekly_summary``);
    ``bucket_from``/``bucket_to``: inclusive bucket key range (string order, which is time
    order for ISO week and month keys); ``columns``: the level columns to return besides the
    keys (default all). Unfiltered pages read only the row groups they cover; an item filter
    reads only the row groups whose key range holds the item. Raises ``ValueError`` for an
    unknown level or column, :class:`~plans.series_store.SeriesSegmentMissing` /
    :class:`~plans.series_store.SeriesSegmentCorrupt` when a segment fails its sha256 check.
    """
    try:
        schema = level_schema(level)
    except KeyError:
        raise ValueError(f"Unknown series level '{level}'.") from None
    read_cols = _read_columns(schema, columns)
    segments = list(PlanSeriesSegment.objects.filter(plan=plan, level=level).order_by("seq"))
    wanted = set(items) if items is not None else None
    if wanted is not None and schema.item is None:
        segments = segments if SUMMARY_ITEM in wanted else []
        wanted = None
    if wanted is not None:
        segments = [s for s in segments if any(s.item_min <= i <= s.item_max for i in wanted)]
    if wanted is None and not bucket_from and not bucket_to:
        total = sum(s.rows for s in segments)
        parts = _read_range(segments, offset, limit, read_cols)
        table = _concat(parts, schema, read_cols)
    else:
        parts = [
            _read_filtered(s, schema, wanted, bucket_from, bucket_to, read_cols) for s in segments
        ]
        table = _concat(parts, schema, read_cols)
        total = table.num_rows
        table = table.slice(offset, limit if limit is not None else total)
    return SeriesPage(level=level, table=table.to_pandas(), total=total)


def _read_columns(schema, columns) -> list[str] | None:
    if columns is None:
        return None
    keys = list(schema.sort_keys)
    extra = [c for c in columns if c not in keys]
    unknown = [c for c in extra if c not in schema.columns]
    if unknown:
        raise ValueError(f"Unknown series column(s): {', '.join(unknown)}.")
    return keys + extra


def _read_range(segments, offset: int, limit: int | None, columns) -> list[pa.Table]:
    """Rows ``[offset, offset + limit)`` across the segments, reading only the row groups
    that overlap the range."""
    stop = None if limit is None else offset + limit
    parts, start = [], 0
    for segment in segments:
        seg_start, seg_stop = start, start + segment.rows
        start = seg_stop
        if seg_stop <= offset or (stop is not None and seg_start >= stop):
            continue
        pf = open_segment(segment)
        row = seg_start
        for i in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(i).num_rows
            g_start, g_stop = row, row + n
            row = g_stop
            if g_stop <= offset or (stop is not None and g_start >= stop):
                continue
            group = pf.read_row_group(i, columns=columns)
            lo = max(offset - g_start, 0)
            hi = n if stop is None else min(stop - g_start, n)
            parts.append(group.slice(lo, hi - lo))
    return parts


def _read_filtered(segment, schema, items, bucket_from, bucket_to, columns) -> pa.Table:
    pf = open_segment(segment)
    if items is not None:
        groups = row_groups_for_items(pf, schema.item, items)
    else:
        groups = list(range(pf.metadata.num_row_groups))
    table = pf.read_row_groups(groups, columns=columns)
    mask = None
    if items is not None:
        mask = pc.is_in(table[schema.item], value_set=pa.array(sorted(items)))
    for value, op in ((bucket_from, pc.greater_equal), (bucket_to, pc.less_equal)):
        if value:
            cond = op(table[schema.bucket].cast(pa.string()), value)
            mask = cond if mask is None else pc.and_(mask, cond)
    return table if mask is None else table.filter(mask)


def _concat(parts: list[pa.Table], schema, columns) -> pa.Table:
    if not parts:
        names = columns or list(schema.columns)
        return pa.table({c: pa.array([], type=pa.string()) for c in names})
    if len(parts) == 1:
        return parts[0]
    return pa.concat_tables(parts, promote_options="permissive")


def plan_series_frame(*, plan: PlanVersion, level: str, **filters) -> pd.DataFrame:
    """Every matching row of one level as its table (see :func:`plan_series_read`)."""
    return plan_series_read(plan=plan, level=level, **filters).table


class SeriesRows:
    """A lazily read, sliceable sequence of series rows (row shape) over one or more levels,
    level after level, for Django's :class:`~django.core.paginator.Paginator` and DRF
    pagination: ``count()`` and ``rows[a:b]`` read only what they need through
    :func:`plan_series_read`."""

    def __init__(self, *, plan: PlanVersion, levels: Iterable[str], **filters) -> None:
        self.plan, self.levels, self.filters = plan, list(levels), filters
        self._counts: dict[str, int] = {}

    def _count(self, level: str) -> int:
        if level not in self._counts:
            page = plan_series_read(plan=self.plan, level=level, limit=0, **self.filters)
            self._counts[level] = page.total
        return self._counts[level]

    def count(self) -> int:
        return sum(self._count(level) for level in self.levels)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("SeriesRows supports slices only.")
        start = key.start or 0
        stop = self.count() if key.stop is None else key.stop
        rows: list[dict] = []
        first = 0
        for level in self.levels:
            n = self._count(level)
            lo, hi = max(start - first, 0), min(stop - first, n)
            first += n
            if hi > lo:
                page = plan_series_read(
                    plan=self.plan, level=level, offset=lo, limit=hi - lo, **self.filters
                )
                rows += page.rows()
        return rows

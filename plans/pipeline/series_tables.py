"""Plan series as narrow columnar tables, one per level (spec ``planning_pipeline.md`` §12.2).

Each level keeps only the measures the pipeline produces for it; nothing is stored twice and
no column is always empty. These tables are what the columnar store writes (one or more
Parquet segments per level, sorted by item then bucket). :func:`series_rows` turns any slice of
a table back into the row shape of §12.2 (``SERIES_COLUMNS``: demand/supply/backlog,
inventory_open/close, capacity_used, spill_in/out, boundary_zone and an ``extra`` dict), which
is what the API, the hub tables and the plan exports show. Pure pandas; no Django.

Columns per level (quantities in pieces; ``period`` a month key ``YYYY-MM`` or the calendar's
period code, ``week`` an ISO week key ``YYYY-Www`` or the calendar's week code):

* ``aggregate`` (family × period): ``family, period, demand, supply, backlog,
  capacity_total``.
* ``det`` and ``det_adjusted`` (SKU × week, summed over periods and families): ``sku, week,
  demand, supply, backlog, on_hand_start, on_hand_end, family, period`` (first seen) and
  ``families``, ``periods`` (lists, null unless the SKU-week spans more than one).
* ``mrp`` (item × week): ``item, week, gross_req, scheduled_receipts, planned_order_receipt,
  planned_order_release, net_req, on_hand_start, on_hand_end, lot, moq`` (pieces) and
  ``lt_weeks`` (weeks).
* ``mrp_final`` (item × week, after capacity reconciliation): the ``mrp`` columns plus
  ``planned_order_release_adj`` and ``planned_order_receipt_adj`` (null where not adjusted).
* ``weekly_summary`` (week): ``week, original_load, adjusted_load, capacity, spill_in,
  spill_out, slack_carry_out, carried_slack_in`` (pieces) and ``zone``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .balance import bucket_flow
from .common import gc_paused
from .keys import as_key, item_week_grid
from .rounding import round6

SERIES_COLUMNS = [
    "level",
    "time_bucket_type",
    "time_bucket_key",
    "item_key",
    "location_key",
    "demand",
    "supply",
    "backlog",
    "inventory_open",
    "inventory_close",
    "capacity_used",
    "spill_in",
    "spill_out",
    "boundary_zone",
    "extra",
]
# row-shape measures that are rounded to 6 decimals (spill_in/out are shown as computed)
_ROUNDED = ("demand", "supply", "backlog", "inventory_open", "inventory_close", "capacity_used")
_MRP_COLUMNS = (
    "gross_req",
    "scheduled_receipts",
    "planned_order_receipt",
    "planned_order_release",
    "net_req",
    "on_hand_start",
    "on_hand_end",
    "lot",
    "moq",
    "lt_weeks",
)
_MRP_EXTRA = (
    "scheduled_receipts",
    "planned_order_release",
    "on_hand_start",
    "on_hand_end",
    "planned_order_receipt",
    "lot",
    "moq",
    "lt_weeks",
)
_WEEKLY_COLUMNS = (
    "original_load",
    "adjusted_load",
    "capacity",
    "spill_in",
    "spill_out",
    "slack_carry_out",
    "carried_slack_in",
    "zone",
)


#: balanced flow measures of the det and aggregate levels (:mod:`.balance`, pieces); null in
#: ``det_adjusted`` and in plans stored before they existed
FLOW_MEASURES = ("receipts", "shipments", "backlog_open", "backlog_close")


@dataclass(frozen=True)
class LevelSchema:
    """How one level is stored and shown.

    ``item``/``bucket``: the table's key columns (``item`` is None for ``weekly_summary``,
    whose rows all have item key ``summary``). ``columns``: every stored column, in order.
    ``rows``: row-shape field → table column. ``extra``: the ``extra`` keys (table columns) in
    order; ``optional_extra`` are added only where not null; ``extra_const`` are constants.
    """

    bucket_type: str
    item: str | None
    bucket: str
    columns: tuple[str, ...]
    rows: dict[str, str]
    extra: tuple[str, ...] = ()
    optional_extra: tuple[str, ...] = ()
    extra_const: dict[str, object] = field(default_factory=dict)

    @property
    def sort_keys(self) -> list[str]:
        return [self.item, self.bucket] if self.item else [self.bucket]


_DET = LevelSchema(
    bucket_type="week",
    item="sku",
    bucket="week",
    columns=(
        "sku",
        "week",
        "demand",
        "supply",
        "backlog",
        "on_hand_start",
        "on_hand_end",
        *FLOW_MEASURES,
        "family",
        "period",
        "families",
        "periods",
    ),
    rows={
        "demand": "demand",
        "supply": "supply",
        "backlog": "backlog",
        "inventory_open": "on_hand_start",
        "inventory_close": "on_hand_end",
    },
    extra=("family", "period", "on_hand_start", "on_hand_end"),
    optional_extra=("families", "periods", *FLOW_MEASURES),
)
_MRP_ROWS = {
    "demand": "gross_req",
    "supply": "planned_order_receipt",
    "backlog": "net_req",
    "inventory_open": "on_hand_start",
    "inventory_close": "on_hand_end",
}
LEVELS: dict[str, LevelSchema] = {
    "aggregate": LevelSchema(
        bucket_type="month",
        item="family",
        bucket="period",
        columns=(
            "family",
            "period",
            "demand",
            "supply",
            "backlog",
            "capacity_total",
            "on_hand_start",
            "on_hand_end",
            *FLOW_MEASURES,
        ),
        rows={
            "demand": "demand",
            "supply": "supply",
            "backlog": "backlog",
            "capacity_used": "capacity_total",
            "inventory_open": "on_hand_start",
            "inventory_close": "on_hand_end",
        },
        extra=("capacity_total",),
        optional_extra=FLOW_MEASURES,
        extra_const={"note": "aggregate"},
    ),
    "det": _DET,
    "det_adjusted": _DET,
    "mrp": LevelSchema(
        bucket_type="week",
        item="item",
        bucket="week",
        columns=("item", "week", *_MRP_COLUMNS),
        rows=_MRP_ROWS,
        extra=_MRP_EXTRA,
    ),
    "mrp_final": LevelSchema(
        bucket_type="week",
        item="item",
        bucket="week",
        columns=(
            "item",
            "week",
            *_MRP_COLUMNS,
            "planned_order_release_adj",
            "planned_order_receipt_adj",
        ),
        # supply: the adjusted receipt, or the MRP receipt where it is null (Q23)
        rows={**_MRP_ROWS, "supply": "planned_order_receipt_adj|planned_order_receipt"},
        extra=(*_MRP_EXTRA, "planned_order_release_adj", "planned_order_receipt_adj"),
    ),
    "weekly_summary": LevelSchema(
        bucket_type="week",
        item=None,
        bucket="week",
        columns=("week", *_WEEKLY_COLUMNS),
        rows={
            "demand": "original_load",
            "supply": "adjusted_load",
            "backlog": "spill_out",
            "capacity_used": "capacity",
            "spill_in": "spill_in",
            "spill_out": "spill_out",
            "boundary_zone": "zone",
        },
        extra=("capacity", "spill_in", "spill_out", "slack_carry_out", "carried_slack_in", "zone"),
    ),
}
SUMMARY_ITEM = "summary"


def level_schema(level: str) -> LevelSchema:
    """The :class:`LevelSchema` of ``level``; ``KeyError`` for an unknown level."""
    return LEVELS[level]


def sort_table(level: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` in store order: by item key, then bucket key (strings; ISO keys sort in time
    order), index reset. Stable, so equal inputs give byte-identical segments."""
    keys = level_schema(level).sort_keys
    return table.sort_values(keys, kind="stable", ignore_index=True)


# ---------------------------------------------------------------------- table builders
def table_aggregate(aggregate_df: pd.DataFrame) -> pd.DataFrame:
    """Level ``aggregate`` from the receipts-rewritten aggregate frame (§12.1/§12.2)."""
    a = aggregate_df
    return pd.DataFrame(
        {
            "family": as_key(a["family"]),
            "period": as_key(a["period"]),
            "demand": a["demand"].to_numpy(dtype=float),
            "supply": a["supply"].to_numpy(dtype=float),
            "backlog": a["backlog"].to_numpy(dtype=float),
            "capacity_total": a["capacity_total"].to_numpy(dtype=float),
            "on_hand_start": _optional(a, "on_hand_open"),
            "on_hand_end": _optional(a, "on_hand_close"),
            **{m: _optional(a, m) for m in FLOW_MEASURES},
        }
    )


def _optional(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A float column of ``frame``, NaN where the frame does not have it."""
    if column in frame.columns:
        return frame[column].to_numpy(dtype=float)
    return np.full(len(frame), np.nan)


def table_det(det: pd.DataFrame, mrp_table: pd.DataFrame | None) -> pd.DataFrame:
    """Level ``det``: DET rows summed per (SKU, week) over periods and families, with the MRP
    on-hand (start/end) of the same item-week (0 without MRP rows). Keys stay categorical
    codes throughout (no per-row strings are built)."""
    if len(det) == 0:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _DET.columns})
    s_c, w_c = as_key(det["sku"]), as_key(det["week"])
    f_c, p_c = as_key(det["family"]), as_key(det["period"])
    n_w = len(w_c.categories)
    key = s_c.codes.astype(np.int64) * n_w + w_c.codes
    uniq, first_idx, inv = np.unique(key, return_index=True, return_inverse=True)
    n = len(uniq)
    sums = {
        m: np.bincount(inv, weights=det[m].to_numpy(dtype=float), minlength=n)
        for m in ("demand", "supply", "backlog")
    }
    if "flow_seq" in det.columns:  # balanced on hand and flow of .balance
        flow = bucket_flow(inv, det, det["demand"].to_numpy(float), n)
        ohs, ohe = flow["on_hand_open"], flow["on_hand_close"]
        measures = {m: flow[m] for m in FLOW_MEASURES}
    else:
        ohs, ohe = _det_on_hand(mrp_table, s_c.categories, w_c.categories, uniq, n)
        measures = {m: np.full(n, np.nan) for m in FLOW_MEASURES}
    families, periods = _multi_keys(f_c, p_c, inv, n)
    return pd.DataFrame(
        {
            "sku": _from_codes(s_c, uniq // n_w),
            "week": _from_codes(w_c, uniq % n_w),
            **sums,
            "on_hand_start": ohs,
            "on_hand_end": ohe,
            **measures,
            "family": _from_codes(f_c, f_c.codes[first_idx]),
            "period": _from_codes(p_c, p_c.codes[first_idx]),
            "families": families,
            "periods": periods,
        },
        copy=False,  # fresh arrays: no consolidated copy
    )


def _from_codes(key: pd.Categorical, codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=key.dtype)


def _multi_keys(f_c, p_c, inv: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``families`` and ``periods`` per (SKU, week) group: the distinct values in row order
    where a group spans more than one family resp. period (either), else None."""
    families = np.full(n, None, dtype=object)
    periods = np.full(n, None, dtype=object)
    multi = (_n_distinct(f_c.codes, inv, n) > 1) | (_n_distinct(p_c.codes, inv, n) > 1)
    if not multi.any():
        return families, periods
    rows = np.flatnonzero(multi[inv])
    fam_names = np.asarray(f_c.categories, dtype=object)[f_c.codes[rows]]
    per_names = np.asarray(p_c.categories, dtype=object)[p_c.codes[rows]]
    fams: dict[int, list] = {}
    pers: dict[int, list] = {}
    for g, f, p in zip(inv[rows].tolist(), fam_names.tolist(), per_names.tolist(), strict=True):
        fl = fams.setdefault(g, [])
        if f not in fl:
            fl.append(f)
        pl = pers.setdefault(g, [])
        if p not in pl:
            pl.append(p)
    for g, fl in fams.items():
        if len(fl) > 1:
            families[g] = fl
        if len(pers[g]) > 1:
            periods[g] = pers[g]
    return families, periods


def _n_distinct(codes: np.ndarray, inv: np.ndarray, n: int) -> np.ndarray:
    """Distinct codes per group ``inv`` (groups 0..n-1)."""
    width = max(1, int(codes.max()) + 1 if len(codes) else 1)
    pairs = pd.unique(inv.astype(np.int64) * width + codes)
    return np.bincount(pairs // width, minlength=n)


def _det_on_hand(mrp_table, skus, weeks, uniq, n) -> tuple[np.ndarray, np.ndarray]:
    if mrp_table is None or not len(mrp_table):
        return np.zeros(n), np.zeros(n)
    start = item_week_grid(mrp_table, "on_hand_start", skus, weeks)
    end = item_week_grid(mrp_table, "on_hand_end", skus, weeks)
    return start[uniq], end[uniq]


def table_mrp(mrp_table: pd.DataFrame, *, final: bool = False) -> pd.DataFrame:
    """Level ``mrp`` (or ``mrp_final`` from ``plan_final`` with ``final``): the MRP record per
    item × week, dtypes kept (lot sizes stay integers where they are); the columns are shared
    with ``mrp_table`` (copy on write), not copied."""
    cols = list(level_schema("mrp_final" if final else "mrp").columns)
    out = {}
    for c in cols:
        values = mrp_table[c]
        if c in ("item", "week"):
            out[c] = as_key(values)
        elif c.endswith("_adj"):
            out[c] = pd.to_numeric(values, errors="coerce").astype(float)
        else:
            out[c] = values
    return pd.DataFrame(out).reset_index(drop=True)


def table_weekly_summary(weekly_summary: pd.DataFrame) -> pd.DataFrame:
    """Level ``weekly_summary``: capacity, original and adjusted load, spill per week."""
    w = weekly_summary
    out = {"week": w["week"].to_numpy(dtype=object)}
    for c in _WEEKLY_COLUMNS:
        out[c] = w[c].to_numpy(dtype=object) if c == "zone" else w[c].to_numpy(dtype=float)
    return pd.DataFrame(out)


# ---------------------------------------------------------------------- row view
def series_rows(level: str, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``table`` (a level's table or a slice of it) in the §12.2 row shape:
    :data:`SERIES_COLUMNS`, same order as ``table``. ``location_key`` is ``global``;
    ``boundary_zone`` is ``""`` where the level has none."""
    schema = level_schema(level)
    n = len(table)
    zeros = np.zeros(n)
    nan = np.full(n, np.nan)
    out = {
        "level": pd.Series([level] * n, dtype="str"),
        "time_bucket_type": pd.Series([schema.bucket_type] * n, dtype="str"),
        "time_bucket_key": pd.Series(table[schema.bucket].to_numpy(dtype=object), dtype="str"),
        "item_key": pd.Series(
            table[schema.item].to_numpy(dtype=object) if schema.item else [SUMMARY_ITEM] * n,
            dtype="str",
        ),
        "location_key": pd.Series(["global"] * n, dtype="str"),
    }
    for name in (*_ROUNDED, "spill_in", "spill_out"):
        source = schema.rows.get(name)
        default = zeros if name in _ROUNDED else nan
        values = default if source is None else _column(table, source)
        out[name] = round6(values) if name in _ROUNDED else np.asarray(values, dtype=float)
    zone = schema.rows.get("boundary_zone")
    zones = table[zone].to_numpy(dtype=object) if zone else np.full(n, None, dtype=object)
    out["boundary_zone"] = np.where(pd.isna(zones), "", zones).astype(object)
    frame = pd.DataFrame(out)
    frame["extra"] = pd.Series(_extras(schema, table), dtype="object").to_numpy()
    return frame[SERIES_COLUMNS]


def _column(table: pd.DataFrame, source: str) -> np.ndarray:
    """A table column as floats; ``a|b`` is column ``a`` where not null, else ``b``."""
    first, _, fallback = source.partition("|")
    if first not in table.columns:  # stored before the column existed (e.g. aggregate on hand)
        return np.zeros(len(table))
    values = table[first].to_numpy(dtype=float)
    if fallback:
        values = np.where(np.isnan(values), table[fallback].to_numpy(dtype=float), values)
    return values


def _extras(schema: LevelSchema, table: pd.DataFrame) -> list[dict]:
    n = len(table)
    if n == 0:
        return []
    names = list(schema.extra)
    lists = [table[c].to_numpy().tolist() for c in names]
    const = schema.extra_const
    with gc_paused():
        extras = [
            {**dict(zip(names, row, strict=True)), **const} for row in zip(*lists, strict=True)
        ]
        for c in schema.optional_extra:
            if c not in table.columns:  # stored before the column existed
                continue
            for i, v in enumerate(table[c].to_numpy(dtype=object).tolist()):
                if v is not None and not (isinstance(v, float) and np.isnan(v)):
                    extras[i][c] = v if isinstance(v, int | float) else list(v)
    return extras


# ---------------------------------------------------------------------- lazy mapping
class LazyLevels(Mapping):
    """Read-only mapping level → DataFrame whose levels are built on first access and cached;
    :meth:`pop` builds or takes one level without keeping it (persisting a plan level by
    level keeps one level in memory at a time). ``dict(levels)`` materialises every level."""

    def __init__(self, builders: dict[str, Callable[[], pd.DataFrame]]) -> None:
        self._builders = dict(builders)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, level: str) -> pd.DataFrame:
        if level not in self._cache:
            with gc_paused():
                self._cache[level] = self._builders[level]()
        return self._cache[level]

    def pop(self, level: str) -> pd.DataFrame:
        """Build one level (or take it from the cache) and forget it."""
        frame = self._cache.pop(level, None)
        if frame is None:
            with gc_paused():
                frame = self._builders[level]()
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def __repr__(self) -> str:
        built = ", ".join(f"{k}{'' if k in self._cache else '*'}" for k in self._builders)
        return f"{type(self).__name__}({built}; * = not built yet)"

    def materialize(self) -> dict[str, pd.DataFrame]:
        """Build every level and return a plain dict."""
        return {k: self[k] for k in self._builders}


def build_series_tables(
    aggregate_rw: pd.DataFrame,
    det_rw: pd.DataFrame,
    mrp_table: pd.DataFrame,
    plan_final: pd.DataFrame,
    weekly_summary: pd.DataFrame,
    *,
    det_adjusted: pd.DataFrame | None = None,
) -> LazyLevels:
    """Every level's table (see the module docstring), sorted by item then bucket, built
    lazily. ``det_adjusted`` (anchor_adjust output) adds level ``det_adjusted``."""
    builders: dict[str, Callable[[], pd.DataFrame]] = {
        "aggregate": lambda: sort_table("aggregate", table_aggregate(aggregate_rw)),
        "det": lambda: sort_table("det", table_det(det_rw, mrp_table)),
        "mrp": lambda: sort_table("mrp", table_mrp(mrp_table)),
        "mrp_final": lambda: sort_table("mrp_final", table_mrp(plan_final, final=True)),
        "weekly_summary": lambda: sort_table(
            "weekly_summary", table_weekly_summary(weekly_summary)
        ),
    }
    if det_adjusted is not None:
        builders["det_adjusted"] = lambda: sort_table("det", table_det(det_adjusted, None))
    return LazyLevels(builders)


class RowLevels(LazyLevels):
    """The §12.2 row shape of every level of a :class:`LazyLevels` of tables, built lazily."""

    def __init__(self, tables: LazyLevels) -> None:
        super().__init__({lv: (lambda lv=lv: series_rows(lv, tables[lv])) for lv in tables})

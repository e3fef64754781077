"""Balanced PSI measures and the ``plan_balance_check`` step (issue 14 §2). Pure pandas.

The reference publishes ``supply`` (planned production receipts) and ``backlog = max(0,
demand − supply)`` per bucket (spec §12.1, kept unchanged), next to MRP's projected on hand,
which was computed *before* capacity reconciliation. Read together these do not add up (SKU1
2025-W01: demand 10, supply 0, backlog 10, on hand 50 → 40). The measures here are computed
from one flow per SKU, so that they hold by construction and can be checked:

Per flow unit (family × SKU; a SKU planned in one family, the usual case, is one unit), over
its DET rows in horizon order (week, then period for a straddling week), in pieces::

    receipts       = planned receipts (rewritten supply, §12.1) + scheduled receipts (open POs,
                     on the SKU-week's first row)
    available      = on_hand_open + receipts
    requirement    = backlog_open + demand
    shipments      = min(available, requirement)
    on_hand_close  = on_hand_open + receipts − shipments      (= available − shipments)
    backlog_close  = backlog_open + demand − shipments        (= requirement − shipments)

``on_hand_open`` of the first row is the SKU's on hand (inventory summed per item), then the
previous row's close; ``backlog_open`` starts at 0 and carries (unserved demand is backordered).
A SKU shared by several families splits its on hand and open POs among them by their demand
over the horizon (equally without demand), so that each family's aggregate balances too.
A level bucket (SKU × week, family × period) sums demand, receipts and shipments of its rows;
its open is the sum over its SKUs of the first row's open, its close the sum of the last row's
close, so the same two identities hold per bucket, and the aggregate on hand is the sum of the
SKU on hand of its family and period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import PlanCalendar
from .keys import as_key, item_week_grid, key_positions
from .rounding import round6

FLOW_COLUMNS = (
    "receipts",
    "shipments",
    "on_hand_open",
    "on_hand_close",
    "backlog_open",
    "backlog_close",
)
#: rule → description (the identities and bounds of the module docstring)
BALANCE_RULES = {
    "on_hand": "on_hand_close = on_hand_open + receipts − shipments",
    "backlog": "backlog_close = backlog_open + demand − shipments",
    "non_negative": "on hand, backlog and shipments are ≥ 0",
    "shipments_bound": "shipments ≤ backlog_open + demand",
}
#: pieces; every stored value is rounded to 6 decimals
TOLERANCE = 1e-4


def psi_flow(
    det: pd.DataFrame,
    mrp_table: pd.DataFrame | None,
    inventory: pd.DataFrame | None,
    calendar: PlanCalendar,
) -> pd.DataFrame:
    """The flow per DET row (module docstring), aligned to ``det``'s rows.

    ``det``: family, period, sku, week, demand, supply (rewritten, pieces). ``mrp_table``:
    item, week, scheduled_receipts (pieces). ``inventory``: item_code, on_hand (pieces).
    Returns :data:`FLOW_COLUMNS` (pieces) plus ``flow_seq`` (int64: the row's position in the
    flow order) and ``flow_unit`` (int64 id of its family × SKU), used to find a bucket's first
    and last row per unit."""
    n = len(det)
    if n == 0:
        cols = (*FLOW_COLUMNS, "flow_seq", "flow_unit")
        return pd.DataFrame({c: pd.Series([], dtype=float) for c in cols})
    sku, wk = as_key(det["sku"]), as_key(det["week"])
    per, fam = as_key(det["period"]), as_key(det["family"])
    sku_codes = np.asarray(sku.codes, dtype=np.int64)
    unit_key = np.asarray(fam.codes, dtype=np.int64) * len(sku.categories) + sku_codes
    unit = np.unique(unit_key, return_inverse=True)[1]
    week_rank = _rank(list(wk.categories), calendar.order_weeks)
    period_rank = _rank(list(per.categories), calendar.order_periods)
    order = np.lexsort((period_rank[per.codes], week_rank[wk.codes], unit))
    u_sorted = unit[order]
    new_unit = np.r_[True, u_sorted[1:] != u_sorted[:-1]]
    slot = np.arange(n) - np.flatnonzero(new_unit)[np.cumsum(new_unit) - 1]
    demand = det["demand"].to_numpy(dtype=float)
    unit_sku, unit_share = _unit_shares(unit, sku_codes, demand)
    receipts = det["supply"].to_numpy(dtype=float).copy()
    receipts += _scheduled_on_first_row(mrp_table, sku, wk, unit, order, unit_share[unit])
    on_hand0 = _initial_on_hand(inventory, sku.categories)
    flow = _walk(order, slot, unit, receipts, demand, on_hand0[unit_sku] * unit_share)
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n)
    out = {c: round6(flow[c]) for c in FLOW_COLUMNS if c != "receipts"}
    return pd.DataFrame({"receipts": round6(receipts), **out, "flow_seq": seq, "flow_unit": unit})


def _unit_shares(unit: np.ndarray, sku_codes: np.ndarray, demand: np.ndarray):
    """``(SKU code, share of the SKU)`` per flow unit (family × SKU): the share by demand over
    the horizon (equal split among the SKU's families without demand); 1 for a SKU of one
    family. ``unit``, ``sku_codes`` and ``demand`` are per DET row."""
    n_units = int(unit.max()) + 1
    unit_demand = np.bincount(unit, weights=np.maximum(demand, 0), minlength=n_units)
    unit_sku = np.zeros(n_units, dtype=np.int64)
    unit_sku[unit] = sku_codes
    sku_demand = np.bincount(unit_sku, weights=unit_demand)
    sku_units = np.bincount(unit_sku).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(
            sku_demand[unit_sku] > 0,
            unit_demand / np.where(sku_demand[unit_sku] > 0, sku_demand[unit_sku], 1.0),
            1.0 / sku_units[unit_sku],
        )
    return unit_sku, share


def _rank(labels: list[str], order_fn) -> np.ndarray:
    pos = {v: i for i, v in enumerate(order_fn(labels))}
    return np.asarray([pos[v] for v in labels], dtype=np.int64)


def _initial_on_hand(inventory: pd.DataFrame | None, skus: pd.Index) -> np.ndarray:
    if inventory is None or not len(inventory):
        return np.zeros(len(skus))
    on_hand = inventory.groupby("item_code")["on_hand"].sum()
    return on_hand.reindex(pd.Index(skus, dtype="str")).fillna(0.0).to_numpy(dtype=float)


def _scheduled_on_first_row(mrp_table, sku, wk, unit, order, share) -> np.ndarray:
    """Scheduled receipts (open POs) of each SKU-week, on the first row of each flow unit in
    that week (flow order), split by the units' ``share``."""
    out = np.zeros(len(unit))
    if mrp_table is None or not len(mrp_table) or "scheduled_receipts" not in mrp_table:
        return out
    n_w = len(wk.categories)
    grid = item_week_grid(mrp_table, "scheduled_receipts", sku.categories, wk.categories)
    sw = np.asarray(sku.codes, dtype=np.int64) * n_w + np.asarray(wk.codes)
    uw = unit.astype(np.int64) * n_w + np.asarray(wk.codes)
    uw_sorted = uw[order]
    first = order[np.r_[True, uw_sorted[1:] != uw_sorted[:-1]]]
    out[first] = grid[sw[first]] * share[first]
    return out


def _walk(order, slot, units, receipts, demand, on_hand0) -> dict[str, np.ndarray]:
    """The recursion of the module docstring, vectorised over flow units (``units``: the
    unit of each row, ``on_hand0`` per unit): one pass per row slot (k-th row of every unit),
    so each unit appears at most once per pass."""
    n = len(order)
    cols = {c: np.zeros(n) for c in FLOW_COLUMNS if c != "receipts"}
    on_hand = on_hand0.astype(float).copy()
    backlog = np.zeros(len(on_hand))
    by_slot = order[np.argsort(slot, kind="stable")]
    bounds = np.r_[0, np.cumsum(np.bincount(slot))]
    for k in range(len(bounds) - 1):
        rows = by_slot[bounds[k] : bounds[k + 1]]
        s = units[rows]
        available = on_hand[s] + receipts[rows]
        requirement = backlog[s] + demand[rows]
        ship = np.minimum(available, requirement)
        cols["on_hand_open"][rows], cols["backlog_open"][rows] = on_hand[s], backlog[s]
        on_hand[s], backlog[s] = available - ship, requirement - ship
        cols["shipments"][rows] = ship
        cols["on_hand_close"][rows], cols["backlog_close"][rows] = on_hand[s], backlog[s]
    return cols


def bucket_flow(
    groups: np.ndarray, flow: pd.DataFrame, demand: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Flow measures per bucket: ``groups`` (int ids ``0..n-1`` per DET row), the rows'
    :func:`psi_flow` frame (with ``flow_seq`` and ``flow_unit``) and demand. Sums demand,
    receipts, shipments; opens and closes are summed over the bucket's flow units (first
    resp. last row of each unit in flow order).
    Returns ``{demand, receipts, shipments, on_hand_open, on_hand_close, backlog_open,
    backlog_close}`` arrays of length ``n`` (pieces)."""
    groups = np.asarray(groups, dtype=np.int64)
    out = {
        "demand": np.bincount(groups, weights=demand, minlength=n),
        "receipts": np.bincount(groups, weights=flow["receipts"].to_numpy(float), minlength=n),
        "shipments": np.bincount(groups, weights=flow["shipments"].to_numpy(float), minlength=n),
    }
    if len(groups) == 0:
        zeros = np.zeros(n)
        return {
            **out,
            **{f"{m}_{e}": zeros for m in ("on_hand", "backlog") for e in ("open", "close")},
        }
    units = flow["flow_unit"].to_numpy(dtype=np.int64)
    sub = groups * (int(units.max()) + 1) + units
    order = np.lexsort((flow["flow_seq"].to_numpy(), sub))
    sub_sorted = sub[order]
    first = order[np.r_[True, sub_sorted[1:] != sub_sorted[:-1]]]
    last = order[np.r_[sub_sorted[1:] != sub_sorted[:-1], True]]
    for name, rows in (("open", first), ("close", last)):
        for measure in ("on_hand", "backlog"):
            col = f"{measure}_{name}"
            values = flow[col].to_numpy(float)[rows]
            out[col] = np.bincount(groups[rows], weights=values, minlength=n)
    return {k: round6(v) for k, v in out.items()}


def plan_balance_check(
    det_rows: pd.DataFrame, aggregate: pd.DataFrame, *, max_examples: int = 20
) -> dict:
    """Check the identities of :data:`BALANCE_RULES` on every DET row (family, period, sku,
    week) and every aggregate bucket (family, period), both with demand and the
    :data:`FLOW_COLUMNS` (pieces), within :data:`TOLERANCE`. A SKU-week bucket is a run of
    consecutive DET rows of one SKU, so its balance follows from its rows'.

    Returns ``{violations: int, rules: {rule: count}, examples: [{level, rule, item, bucket,
    expected, actual}], descriptions, tolerance}``. (That the aggregate on hand is the sum of
    its SKUs' holds by construction: both levels sum the same flow rows, :func:`bucket_flow`.)"""
    rules = dict.fromkeys(BALANCE_RULES, 0)
    examples: list[dict] = []
    for level, table, item, bucket in (
        ("det", det_rows, "sku", "week"),
        ("aggregate", aggregate, "family", "period"),
    ):
        if not len(table) or "receipts" not in table:
            continue
        _check_level(level, table, item, bucket, rules, examples, max_examples)
    return {
        "violations": int(sum(rules.values())),
        "rules": rules,
        "descriptions": BALANCE_RULES,
        "tolerance": TOLERANCE,
        "examples": examples,
    }


def _check_level(level, t, item, bucket, rules, examples, max_examples) -> None:
    col = {c: t[c].to_numpy(dtype=float) for c in _CHECKED}
    checks = {
        "on_hand": (
            col["on_hand_open"] + col["receipts"] - col["shipments"],
            col["on_hand_close"],
        ),
        "backlog": (
            col["backlog_open"] + col["demand"] - col["shipments"],
            col["backlog_close"],
        ),
    }
    for rule, (expected, actual) in checks.items():
        _record(level, t, item, bucket, rule, expected, actual, rules, examples, max_examples)
    negative = np.minimum.reduce([col["on_hand_close"], col["backlog_close"], col["shipments"]])
    _record(level, t, item, bucket, "non_negative", np.zeros(len(t)), np.minimum(negative, 0),
            rules, examples, max_examples)  # fmt: skip
    bound = col["backlog_open"] + col["demand"]
    _record(level, t, item, bucket, "shipments_bound", np.minimum(col["shipments"], bound),
            col["shipments"], rules, examples, max_examples)  # fmt: skip


_CHECKED = (
    "demand",
    "receipts",
    "shipments",
    "on_hand_open",
    "on_hand_close",
    "backlog_open",
    "backlog_close",
)


def _record(level, t, item, bucket, rule, expected, actual, rules, examples, max_examples):
    bad = np.flatnonzero(np.abs(expected - actual) > TOLERANCE)
    rules[rule] += int(len(bad))
    for i in bad[: max(0, max_examples - len(examples))]:
        examples.append(
            {
                "level": level,
                "rule": rule,
                "item": str(t[item].iloc[i]),
                "bucket": str(t[bucket].iloc[i]),
                "expected": float(expected[i]),
                "actual": float(actual[i]),
            }
        )


def with_aggregate_flow(aggregate_df: pd.DataFrame, det: pd.DataFrame) -> pd.DataFrame:
    """``aggregate_df`` (family, period, …) plus the flow of its DET rows per (family,
    period): on_hand_open, on_hand_close, receipts, shipments, backlog_open, backlog_close
    (pieces; 0 for an aggregate row without DET rows). ``det`` carries :func:`psi_flow`'s
    columns."""
    agg = aggregate_df.copy(deep=False)
    fam, per = as_key(det["family"]), as_key(det["period"])
    n_p = len(per.categories)
    a_f = key_positions(agg["family"], pd.Index(fam.categories))
    a_p = key_positions(agg["period"], pd.Index(per.categories))
    slot = np.full(len(fam.categories) * n_p, -1, dtype=np.int64)
    has = (a_f >= 0) & (a_p >= 0)
    slot[a_f[has] * n_p + a_p[has]] = np.flatnonzero(has)
    groups = slot[np.asarray(fam.codes, dtype=np.int64) * n_p + np.asarray(per.codes)]
    keep = groups >= 0
    rows = det.loc[keep] if not keep.all() else det
    flow = bucket_flow(groups[keep], rows, rows["demand"].to_numpy(float), len(agg))
    for column in FLOW_COLUMNS:
        agg[column] = flow[column]
    return agg

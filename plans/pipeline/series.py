"""Persistence shapes: receipts rewrite and KPIs (spec §12; quirks Q22, Q23 and Q14
addressed). The series levels themselves are in :mod:`.series_tables`. Pure DataFrame →
DataFrame/dict functions; no Django."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import PlanCalendar
from .keys import as_key, key_positions
from .rounding import distribute_int_grouped, round6
from .series_tables import SERIES_COLUMNS, build_series_tables, series_rows

__all__ = [
    "SERIES_COLUMNS",
    "SERIES_LEVELS",
    "build_kpis",
    "build_series_tables",
    "receipts_rewrite",
    "series_rows",
]
SERIES_LEVELS = ("aggregate", "det", "mrp", "mrp_final", "weekly_summary")
KPI_UTILIZATION = "utilization_pct"
KPI_METRICS = (
    "fill_rate",
    "backlog_total",
    "demand_total",
    "supply_total",
    KPI_UTILIZATION,
    "backlog_days",
    "unserved_spill",
    "balance_violations",
)


# ---------------------------------------------------------------------- receipts rewrite
def receipts_rewrite(
    aggregate_df: pd.DataFrame,
    det: pd.DataFrame,
    plan_final: pd.DataFrame,
    calendar: PlanCalendar,
    *,
    round_mode: str = "int",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace allocated supply by planned production receipts (spec §12.1 with Q22).

    ``R[(item, week)] = Σ receipt`` with receipt = ``planned_order_receipt_adj``, or
    ``planned_order_receipt`` where the adjusted value is null (Q23 null check). Each DET row
    gets its share of ``R[(sku, week)]``: a week straddling two periods is split by the
    week's calendar weight in each period (Q22, no double counting); a SKU-week shared by
    several families is split by their demand. In ``int`` mode whole receipts are split by
    largest remainder. SKUs without any receipt row keep their allocated supply; SKUs that
    have receipts elsewhere get 0. Then ``supply_plan = supply`` and ``backlog =
    max(0, demand − supply)``; AGG rows with DET rows get the DET sums.
    Returns ``(aggregate_rewritten, det_rewritten)`` (pieces).
    """
    # shallow: the columns written below replace, never modify, the caller's (copy on write)
    d = det.copy(deep=False)
    agg = aggregate_df.copy()
    if len(d) == 0:
        return agg, d
    # one helper per stage, so that each stage's row-sized temporaries are freed before the
    # next starts (at 17 M DET rows every float array costs 140 MB)
    sku_c, w_c, p_c = as_key(d["sku"]), as_key(d["week"]), as_key(d["period"])
    n_wk = len(w_c.categories)
    g_flat = sku_c.codes.astype(np.int64) * (n_wk + 1) + w_c.codes
    r_row, any_receipt = _receipts_per_row(plan_final, sku_c, w_c, g_flat)
    present = ~np.isnan(r_row)
    r_filled = np.where(present, r_row, 0.0)
    del r_row
    g_codes = _dense_codes(g_flat, (len(sku_c.categories) + 1) * (n_wk + 1))
    del g_flat
    dem = d["demand"].to_numpy(dtype=float)
    supply = r_filled * _row_shares(g_codes, w_c, p_c, dem, calendar)
    if round_mode == "int":
        supply = _whole_receipts(supply, g_codes, r_filled)
    del g_codes, r_filled
    sku_has = d["sku"].isin(any_receipt).to_numpy()
    alloc = d["supply"].to_numpy(dtype=float)
    supply = np.where(present, supply, np.where(sku_has, 0.0, alloc))
    del present, sku_has
    d["supply"] = round6(supply)
    d["supply_plan"] = d["supply"]
    d["backlog"] = round6(np.maximum(0.0, dem - d["supply"].to_numpy()))
    return _aggregate_from_det(agg, d), d


def _receipts_per_row(pf: pd.DataFrame, sku_c, w_c, g_flat: np.ndarray):
    """``(R per DET row, NaN where the row's item-week has no plan_final row; the items with
    any non-zero receipt)``. Receipt = adjusted receipt, or the MRP one where null (Q23)."""
    receipt = pf["planned_order_receipt"].to_numpy(dtype=float)
    if "planned_order_receipt_adj" in pf.columns:
        adj = pd.to_numeric(pf["planned_order_receipt_adj"], errors="coerce").to_numpy(float)
        receipt = np.where(np.isnan(adj), receipt, adj)
    n_wk = len(w_c.categories)
    pf_sku, pf_w = _item_week_codes(pf, sku_c.categories, w_c.categories)
    # receipts per (item, week) on the DET code grid; NaN where the item-week has no row
    r_grid = np.full((len(sku_c.categories) + 1) * (n_wk + 1), np.nan)
    ok = (pf_sku >= 0) & (pf_w >= 0)
    flat = pf_sku[ok] * (n_wk + 1) + pf_w[ok]
    r_grid[flat] = 0.0
    np.add.at(r_grid, flat, receipt[ok])
    any_receipt = set(pf["item"][receipt != 0].unique().tolist())
    return r_grid[g_flat], any_receipt


def _row_shares(g_codes, w_c, p_c, dem: np.ndarray, calendar: PlanCalendar) -> np.ndarray:
    """Share of its (SKU, week) receipt that each DET row gets (Q22): the period weight of
    the row's (week, period) normalised over the group's periods, times the row's demand
    share among the families of the same (SKU, week, period)."""
    n_per = len(p_c.categories)
    wp = w_c.codes.astype(np.int64) * n_per + p_c.codes
    wp_u, wp_inv = np.unique(wp, return_inverse=True)
    del wp
    wcats = np.asarray(w_c.categories, dtype=object)
    pcats = np.asarray(p_c.categories, dtype=object)
    wp_w = np.array(
        [
            calendar.week_period_weights(wcats[k // n_per]).get(pcats[k % n_per], 0.0)
            for k in wp_u.tolist()
        ],
        dtype=float,
    )
    row_pw = wp_w[wp_inv]
    gp_codes = np.unique(g_codes * len(wp_u) + wp_inv, return_inverse=True)[1]
    del wp_inv
    n_g = int(g_codes.max()) + 1
    n_gp = int(gp_codes.max()) + 1
    # one weight per distinct (sku, week, period), normalised over the group's periods
    gp_first = np.full(n_gp, -1, dtype=np.int64)
    gp_first[gp_codes[::-1]] = np.arange(len(gp_codes))[::-1]
    gp_w = row_pw[gp_first]
    del row_pw
    gp_g = g_codes[gp_first]
    gp_cnt = np.bincount(gp_g, minlength=n_g).astype(float)
    gp_tot = np.bincount(gp_g, weights=gp_w, minlength=n_g)
    tot_g = gp_tot[gp_g]
    gp_share = np.where(tot_g > 0, gp_w / np.where(tot_g > 0, tot_g, 1.0), 1.0 / gp_cnt[gp_g])
    # split among families of the same (sku, week, period) by demand
    pos_dem = np.maximum(dem, 0)
    fam_tot = np.bincount(gp_codes, weights=pos_dem, minlength=n_gp)[gp_codes]
    fam_cnt = np.bincount(gp_codes, minlength=n_gp).astype(float)[gp_codes]
    fam_share = np.where(fam_tot > 0, pos_dem / np.where(fam_tot > 0, fam_tot, 1.0), 1.0 / fam_cnt)
    return gp_share[gp_codes] * fam_share


def _whole_receipts(supply: np.ndarray, g_codes: np.ndarray, r_filled: np.ndarray):
    """``int`` mode: a whole receipt is split in whole pieces by largest remainder."""
    r_g = np.zeros(int(g_codes.max()) + 1)
    r_g[g_codes] = r_filled
    integral = np.abs(r_g - np.rint(r_g)) < 1e-9
    lr = distribute_int_grouped(supply, g_codes, r_g)
    return np.where(integral[g_codes], lr, supply)


def _aggregate_from_det(agg: pd.DataFrame, d: pd.DataFrame) -> pd.DataFrame:
    """AGG rows with DET rows get the DET sums of demand, supply and backlog."""
    sums = d.groupby(["family", "period"], sort=False)[["demand", "supply", "backlog"]].sum()
    idx = pd.MultiIndex.from_arrays([agg["family"], agg["period"]])
    hit = idx.isin(sums.index)
    if hit.any():
        s = sums.reindex(idx[hit])
        for m in ("demand", "supply", "backlog"):
            col = agg[m].to_numpy(dtype=float).copy()
            col[hit] = s[m].to_numpy(dtype=float)
            agg[m] = round6(col)
    return agg


def _dense_codes(keys: np.ndarray, size: int) -> np.ndarray:
    """Ids ``0..k-1`` of the distinct ``keys`` (ints in ``0..size-1``), in key order."""
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    return (np.cumsum(seen) - 1)[keys]


def _item_week_codes(pf: pd.DataFrame, skus, weeks) -> tuple[np.ndarray, np.ndarray]:
    """Codes of plan_final items/weeks on the DET category grids (-1 when absent)."""
    return key_positions(pf["item"], pd.Index(skus)), key_positions(pf["week"], pd.Index(weeks))


# ---------------------------------------------------------------------- KPIs
def _kpi(metric: str, bucket_type: str, key: str, value: float, unit: str) -> dict:
    v = float(value)
    return {
        "metric": metric,
        "bucket_type": bucket_type,
        "bucket_key": key,
        "value": round(v, 6) + 0.0,
        "unit": unit,
    }


def build_kpis(
    aggregate_rw: pd.DataFrame,
    weekly_summary: pd.DataFrame,
    *,
    unserved_spill: float = 0.0,
    calendar: PlanCalendar | None = None,
    week_days: int = 7,
    balance_violations: int | None = None,
) -> list[dict]:
    """KPIs (spec §12.3–12.5) from the receipts-rewritten aggregate and the weekly summary.

    * ``fill_rate`` (ratio) per month and total: ``clamp(Σsupply/Σdemand, 0, 1)``, 1 without
      demand; ``backlog_total`` (units) per month and total; ``demand_total``,
      ``supply_total`` (units) total.
    * ``utilization_pct`` (pct): ``100·Σadjusted_load/Σcapacity`` over the weekly summary.
    * ``backlog_days`` (days): ``backlog_total / average daily demand`` with average daily
      demand ``= demand_total / (weeks · week_days)`` (issue 14: > 0 whenever there is
      backlog; the reference's ``Σspill_out / (Σoriginal_load/(weeks·7))`` measured capacity
      spill, not backlog, and read 0 with backlog 290 on the sample).
    * ``unserved_spill`` (units): FG load still spilling after the last week (Q14).
    * ``balance_violations`` (count), when given: failed ``plan_balance_check`` identities.
    """
    cal = calendar or PlanCalendar(None)
    out: list[dict] = []
    a = aggregate_rw
    per = a.groupby("period", sort=False)[["demand", "supply", "backlog"]].sum()
    per = per.loc[cal.order_periods(per.index.tolist())]

    def fill(s: float, d: float) -> float:
        return 1.0 if d <= 0 else min(1.0, max(0.0, s / d))

    for p, row in per.iterrows():
        out.append(_kpi("fill_rate", "month", str(p), fill(row["supply"], row["demand"]), "ratio"))
    for p, row in per.iterrows():
        out.append(_kpi("backlog_total", "month", str(p), row["backlog"], "units"))
    d_tot = float(a["demand"].sum())
    s_tot = float(a["supply"].sum())
    out.append(_kpi("fill_rate", "total", "total", fill(s_tot, d_tot), "ratio"))
    out.append(_kpi("backlog_total", "total", "total", float(a["backlog"].sum()), "units"))
    out.append(_kpi("demand_total", "total", "total", d_tot, "units"))
    out.append(_kpi("supply_total", "total", "total", s_tot, "units"))
    ws = weekly_summary
    cap = float(ws["capacity"].sum()) if len(ws) else 0.0
    adj = float(ws["adjusted_load"].sum()) if len(ws) else 0.0
    out.append(
        _kpi(KPI_UTILIZATION, "total", "total", 100.0 * adj / cap if cap > 0 else 0.0, "pct")
    )
    backlog = float(a["backlog"].sum())
    per_day = d_tot / (len(ws) * week_days) if len(ws) else 0.0
    out.append(
        _kpi("backlog_days", "total", "total", backlog / per_day if per_day > 0 else 0.0, "days")
    )
    out.append(_kpi("unserved_spill", "total", "total", unserved_spill, "units"))
    if balance_violations is not None:
        out.append(_kpi("balance_violations", "total", "total", balance_violations, "count"))
    return out

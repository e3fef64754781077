"""Step ``reconcile_levels``: AGG vs DET roll-up check (spec §9)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import PlanCalendar
from .rounding import round6

METRICS = ("demand", "supply", "backlog")
DELTA_COLUMNS = [
    "family",
    "period",
    *[f"{p}_{m}" for m in METRICS for p in ("agg", "det", "delta", "rel", "ok")],
    "ok",
    "boundary_period",
]


def reconcile_levels(
    aggregate_df: pd.DataFrame,
    det: pd.DataFrame,
    *,
    tol_abs: float = 1e-6,
    tol_rel: float = 1e-6,
    calendar: PlanCalendar | None = None,
    cutover_date: str | None = None,
    cutover_period: str | None = None,
    anchor_policy: str | None = None,
    recon_window_days: int | None = None,
    version_id: str | None = None,
) -> dict:
    """Compare the aggregate plan with the DET roll-up per (family, period) (spec §9).

    ``aggregate_df``: family, period, demand, supply, backlog (last duplicate wins).
    ``det``: family, period, demand, supply (``supply_plan`` if absent), backlog — summed per
    (family, period). For each key of the union and metric m: ``delta = det − agg``,
    ``rel = |delta| / max(|agg|, |det|, 1)``, ``ok_m = |delta| ≤ tol_abs or rel ≤ tol_rel``;
    ``ok`` = all three. Rows of the cutover period get ``boundary_period = True``.

    Returns ``{schema_version, version_id, cutover, inputs_summary, tolerance, summary,
    deltas}`` where ``deltas`` is a DataFrame (:data:`DELTA_COLUMNS`, pieces) sorted by family
    then period (chronological, Q1) and ``summary`` holds rows, tol_violations (failing
    metrics), max_abs_delta per metric and, with a cutover, the boundary block.
    """
    cal = calendar or PlanCalendar(None)
    agg = (
        aggregate_df.drop_duplicates(["family", "period"], keep="last")
        .set_index(["family", "period"])[list(METRICS)]
        .astype(float)
    )
    d = det.copy()
    if "supply" not in d.columns and "supply_plan" in d.columns:
        d["supply"] = d["supply_plan"]
    if "period" not in d.columns:
        d["period"] = d["week"].map(cal.week_period)
    if "family" not in d.columns:
        d["family"] = d["item"]
    roll = d.groupby(["family", "period"], sort=False)[list(METRICS)].sum().astype(float)
    keys = agg.index.union(roll.index, sort=False)
    a = agg.reindex(keys).fillna(0.0)
    r = roll.reindex(keys).fillna(0.0)
    out = pd.DataFrame(
        {
            "family": keys.get_level_values(0).astype(str),
            "period": keys.get_level_values(1).astype(str),
        }
    )
    ok_all = np.ones(len(keys), dtype=bool)
    violations = 0
    max_abs = {}
    for m in METRICS:
        av = a[m].to_numpy()
        dv = r[m].to_numpy()
        delta = dv - av
        rel = np.abs(delta) / np.maximum.reduce([np.abs(av), np.abs(dv), np.ones(len(av))])
        ok = (np.abs(delta) <= tol_abs) | (rel <= tol_rel)
        out[f"agg_{m}"] = round6(av)
        out[f"det_{m}"] = round6(dv)
        out[f"delta_{m}"] = round6(delta)
        out[f"rel_{m}"] = round6(rel)
        out[f"ok_{m}"] = ok
        ok_all &= ok
        violations += int((~ok).sum())
        max_abs[m] = float(round6(np.abs(delta)).max()) if len(delta) else 0.0
    out["ok"] = ok_all
    cut_period = cutover_period
    cut_week = None
    if cutover_date:
        if cut_period is None:
            cut_period = cal.cutover_period(cutover_date, out["period"].unique())
        cut_week = cal.due_to_week(cutover_date)
    bmask = np.zeros(len(out), dtype=bool)
    if cut_period is not None or cut_week is not None:
        bmask = out["period"].isin([x for x in (cut_period, cut_week) if x]).to_numpy()
    out["boundary_period"] = bmask
    pk = {p: cal.period_sort_key(p) for p in out["period"].unique()}
    out["_pk"] = out["period"].map(pk)
    out = out.sort_values(["family", "_pk"], kind="stable").drop(columns="_pk")
    out = out[DELTA_COLUMNS].reset_index(drop=True)
    summary: dict = {"rows": int(len(out)), "tol_violations": violations, "max_abs_delta": max_abs}
    if cutover_date:
        b = out[out["boundary_period"]]
        top = b.assign(_mx=b[[f"delta_{m}" for m in METRICS]].abs().max(axis=1) if len(b) else [])
        top = top.sort_values("_mx", ascending=False, kind="stable").head(10)
        summary["boundary"] = {
            "period": cut_period,
            "violations": int((~b["ok"]).sum()),
            "max_abs_delta": {
                m: float(b[f"delta_{m}"].abs().max()) if len(b) else 0.0 for m in METRICS
            },
            "top": [
                {
                    "family": row["family"],
                    "period": row["period"],
                    **{f"delta_{m}": float(row[f"delta_{m}"]) for m in METRICS},
                    "ok": bool(row["ok"]),
                }
                for _, row in top.iterrows()
            ],
        }
    return {
        "schema_version": "recon-aggdet-1.0",
        "version_id": version_id,
        "cutover": {
            "cutover_date": cutover_date,
            "period": cut_period,
            "week": cut_week,
            "anchor_policy": anchor_policy,
            "recon_window_days": recon_window_days,
        },
        "inputs_summary": {
            "aggregate_rows": int(len(aggregate_df)),
            "det_rows": int(len(det)),
            "families": int(out["family"].nunique()),
            "periods": int(out["period"].nunique()),
        },
        "tolerance": {"abs": float(tol_abs), "rel": float(tol_rel)},
        "summary": summary,
        "deltas": out,
    }

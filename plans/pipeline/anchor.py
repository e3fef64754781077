"""Step ``anchor_adjust``: DET-only correction of the cutover period so that DET rolls up to
AGG (spec §10; quirk Q19 addressed, Q20 logged with applied amounts)."""

from __future__ import annotations

import calendar as _stdcal
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import capacity_by_period
from .calendar import PlanCalendar, parse_iso_date
from .common import make_warning
from .rounding import round6

METRICS = ("demand", "supply", "backlog")
RESIDUAL_EPS = 1e-9


@dataclass
class AnchorResult:
    """``det``: adjusted DET (same rows/columns as the input, pieces). ``carryover``: one
    entry per residual moved to a neighbour period ``{family, from_period, to_period,
    metrics (requested), applied, …}``. ``summary``: counts, cutover info and note."""

    det: pd.DataFrame
    carryover: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)


def anchor_weights(
    n: int,
    policy: str,
    window_days: int | None = None,
    *,
    cpos: int = 0,
) -> np.ndarray:
    """Row weights of the cutover group (spec §10.4). ``nw = clamp(ceil(window/7), 1, n)``.

    * ``DET_near``: 1..n (late rows absorb most); window → ``[0]*(n−nw) + [1..nw]``.
    * ``AGG_far``: n..1; window → ``[1..nw] + [0]*(n−nw)``.
    * ``blend``: centred on ``cpos``: ``max(1, n − |j − cpos|)``; window →
      ``max(0, r − |j − cpos| + 1)`` with ``r = (nw − 1)//2``.
    Weights summing to 0 → all 1.
    """
    if n <= 0:
        return np.zeros(0)
    j = np.arange(n)
    nw = min(max(1, math.ceil(window_days / 7)), n) if window_days else None
    if policy == "DET_near":
        w = (
            np.arange(1, n + 1, dtype=float)
            if nw is None
            else np.r_[np.zeros(n - nw), np.arange(1, nw + 1)].astype(float)
        )
    elif policy == "AGG_far":
        w = (
            np.arange(n, 0, -1, dtype=float)
            if nw is None
            else np.r_[np.arange(1, nw + 1), np.zeros(n - nw)].astype(float)
        )
    else:
        if nw is None:
            w = np.maximum(1, n - np.abs(j - cpos)).astype(float)
        else:
            r = (nw - 1) // 2
            w = np.maximum(0, r - np.abs(j - cpos) + 1).astype(float)
    if w.sum() <= 0:
        w = np.ones(n)
    return w


def spread_delta(
    delta: float, weights: np.ndarray, values: np.ndarray, max_ratio: float | None
) -> tuple[np.ndarray, float]:
    """Two-pass spreading of ``delta`` over rows (spec §10.5–10.6). Returns ``(adds,
    residual)``; the residual is non-zero only when every row has hit its limit
    ``|value|·max_ratio`` (``|delta|`` when that is 0)."""
    weights = np.asarray(weights, dtype=float)
    values = np.asarray(values, dtype=float)
    n = len(weights)
    if n == 0:
        return np.zeros(0), float(delta)
    w = weights if weights.sum() > 0 else np.ones(n)
    add = w / w.sum() * delta
    if max_ratio is None:
        r = delta - add.sum()
        if abs(r) > RESIDUAL_EPS:
            add = add + r / n
        return add, 0.0
    lim = np.abs(values) * max_ratio
    lim = np.where(lim <= 0, abs(delta), lim)
    add = np.clip(add, -lim, lim)
    r = delta - add.sum()
    if abs(r) <= RESIDUAL_EPS:
        return add, 0.0
    head = np.maximum(0.0, lim - np.sign(r) * add)
    ok = head > RESIDUAL_EPS
    if ok.any():
        add = add.copy()
        add[ok] += r * head[ok] / head[ok].sum()
        return add, 0.0
    return add, float(r)


def _norm(series: pd.Series) -> dict:
    if len(series) == 0:
        return {}
    mx = float(series.max())
    if mx <= 0:
        return dict.fromkeys(series.index, 0.0)
    return {k: float(v) / mx for k, v in series.items()}


def anchor_adjust(
    aggregate_df: pd.DataFrame,
    det: pd.DataFrame,
    calendar: PlanCalendar,
    *,
    cutover_date: str,
    anchor_policy: str = "DET_near",
    recon_window_days: int | None = None,
    max_adjust_ratio: float | None = None,
    tol_abs: float = 0.0,
    tol_rel: float = 0.0,
    carryover_mode: str = "none",
    carryover_split: float | None = None,
    capacity: pd.DataFrame | None = None,
    inbound: pd.DataFrame | None = None,
    period_metrics: pd.DataFrame | None = None,
    headroom_weights: tuple[float, float, float, float] = (0.5, 0.0, 0.0, 0.0),
) -> AnchorResult:
    """Correct the DET rows of the cutover period so they roll up to AGG (spec §10).

    ``aggregate_df``: family, period, demand, supply, backlog. ``det``: DET rows (family,
    period, sku, week, demand, supply, supply_plan, backlog; pieces). For each family with an
    AGG row in the cutover period: ``delta_m = agg_m − Σ det_m``; skipped when within
    tolerance; rows sorted by (week sequence, week code) and weighted per policy
    (:func:`anchor_weights`); spread in two passes (:func:`spread_delta`). A residual left when
    every row hit ``max_adjust_ratio`` is carried to the previous/next period (``prev``,
    ``next``, ``auto`` — larger headroom × capacity/inbound/score/cost factors —, ``both`` with
    ``carryover_split`` to next). Headroom weights are (capacity, inbound, score, cost).

    Q19: adjusted rows are clamped at 0, ``supply_plan = supply`` and ``backlog =
    max(0, demand − supply)``. Values are rounded to 6 decimals (fractions are possible).
    """
    warnings: list[dict] = []
    out = det.copy()
    for m in (*METRICS, "supply_plan"):
        if m in out.columns:
            out[m] = out[m].astype(float)
    summary = {
        "cutover_date": cutover_date,
        "anchor_policy": anchor_policy,
        "recon_window_days": recon_window_days,
        "groups_adjusted": 0,
        "carryover_count": 0,
        "note": "",
    }
    if len(out) == 0 or aggregate_df is None or len(aggregate_df) == 0:
        summary["note"] = "empty DET or AGG: nothing adjusted"
        return AnchorResult(out, [], summary, warnings)
    periods = pd.unique(out["period"])
    cut_period = calendar.cutover_period(cutover_date, periods)
    summary["period"] = cut_period
    cut_week = calendar.due_to_week(cutover_date)
    cut_seq = calendar.week_sequence(cut_week) if cut_week else None
    agg = aggregate_df.drop_duplicates(["family", "period"], keep="last").set_index(
        ["family", "period"]
    )
    vals = {m: out[m].to_numpy(dtype=float).copy() for m in METRICS}
    touched = np.zeros(len(out), dtype=bool)
    fam = out["family"].to_numpy()
    per = out["period"].to_numpy()
    wk = out["week"].to_numpy()
    seq_of = {w: calendar.week_sequence(w) for w in pd.unique(wk)}
    seqs = np.array([np.inf if seq_of[w] is None else seq_of[w] for w in wk], dtype=float)
    group_idx = pd.Series(np.arange(len(out))).groupby([fam, per], sort=False).indices

    def rows_of(f: str, p: str) -> np.ndarray:
        idx = group_idx.get((f, p))
        if idx is None:
            return np.zeros(0, dtype=np.int64)
        idx = np.asarray(idx)
        order = np.lexsort((np.arange(len(idx)), wk[idx].astype(str), seqs[idx]))
        return idx[order]

    def agg_val(f: str, p: str, m: str) -> float:
        try:
            return float(agg.at[(f, p), m])
        except KeyError:
            return 0.0

    # ---- auto carryover scoring inputs
    w_cap, w_in, w_score, w_cost = headroom_weights
    cap_norm = _norm(capacity_by_period(capacity)) if capacity is not None else {}
    in_norm: dict = {}
    if inbound is not None and len(inbound):

        def _due_period(d: str) -> str:
            w = calendar.due_to_week(d)
            return calendar.week_period(w) if w else str(d)[:7]

        inp = inbound.assign(_p=inbound["due_date"].map(_due_period))
        in_norm = _norm(inp.groupby("_p")["qty"].sum())
    score_norm: dict = {}
    cost_norm: dict = {}
    if period_metrics is not None and len(period_metrics):
        pm = period_metrics
        score_norm = _norm(pm[pm["metric_code"] == "score"].groupby("period")["value"].sum())
        cost_norm = _norm(pm[pm["metric_code"] == "cost"].groupby("period")["value"].sum())

    def factor(p: str) -> float:
        return (
            (1 + w_cap * cap_norm.get(p, 0.0))
            * (1 + w_in * in_norm.get(p, 0.0))
            * (1 + w_score * score_norm.get(p, 0.0))
            / (1 + w_cost * cost_norm.get(p, 0.0))
        )

    def headroom(f: str, p: str | None, resid: dict) -> float:
        if p is None:
            return 0.0
        rows = rows_of(f, p)
        h = 0.0
        for m in METRICS:
            det_m = float(vals[m][rows].sum()) if len(rows) else 0.0
            h += max(0.0, math.copysign(1.0, resid[m]) * (agg_val(f, p, m) - det_m))
        return h * factor(p)

    carry_log: list[dict] = []
    residual_total = 0
    fams = [f for f in pd.unique(fam) if (f, cut_period) in group_idx]
    for f in fams:
        if (f, cut_period) not in agg.index:
            continue
        rows = rows_of(f, cut_period)
        n = len(rows)
        delta = {m: agg_val(f, cut_period, m) - float(vals[m][rows].sum()) for m in METRICS}
        big_b = max(
            abs(agg_val(f, cut_period, "demand")),
            abs(float(vals["demand"][rows].sum())),
            abs(agg_val(f, cut_period, "supply")),
            abs(float(vals["supply"][rows].sum())),
            1.0,
        )
        if all(abs(d) <= tol_abs or abs(d) / big_b <= tol_rel for d in delta.values()):
            continue
        cpos = 0
        if anchor_policy not in ("DET_near", "AGG_far"):
            rs = seqs[rows]
            if cut_seq is not None and np.isfinite(rs).any():
                cpos = int(np.argmin(np.abs(rs - cut_seq)))
            else:
                day = parse_iso_date(cutover_date)
                dim = _stdcal.monthrange(day.year, day.month)[1]
                cpos = min(n - 1, int((day.day - 1) / dim * n))
        w = anchor_weights(n, anchor_policy, recon_window_days, cpos=cpos)
        resid = {}
        for m in METRICS:
            add, r = spread_delta(delta[m], w, vals[m][rows], max_adjust_ratio)
            vals[m][rows] += add
            resid[m] = r
        touched[rows] = True
        summary["groups_adjusted"] += 1
        if all(abs(r) <= RESIDUAL_EPS for r in resid.values()):
            continue
        residual_total += 1
        prev_p = calendar.neighbour_period(cut_period, -1)
        next_p = calendar.neighbour_period(cut_period, +1)
        near = anchor_policy in ("DET_near", "blend")
        targets: list[tuple[str | None, float]] = []
        extra: dict = {}
        if carryover_mode == "prev":
            targets = [(prev_p, 1.0)]
        elif carryover_mode == "next":
            targets = [(next_p, 1.0)]
        elif carryover_mode == "auto":
            h_prev, h_next = headroom(f, prev_p, resid), headroom(f, next_p, resid)
            if h_prev == 0 and h_next == 0:
                pick = next_p if near else prev_p
            else:
                pick = next_p if h_next >= h_prev else prev_p
            targets = [(pick, 1.0)]
            extra = {
                "headroom_prev": h_prev,
                "headroom_next": h_next,
                "cap_norm_prev": cap_norm.get(prev_p, 0.0),
                "cap_norm_next": cap_norm.get(next_p, 0.0),
            }
        elif carryover_mode == "both":
            split = carryover_split if carryover_split is not None else (0.8 if near else 0.2)
            targets = [(next_p, split), (prev_p, 1.0 - split)]
            extra = {"split_next": split}
        if not targets:
            warnings.append(
                make_warning(
                    "anchor_residual",
                    f"family {f}: residual left in {cut_period} (carryover mode none)",
                    family=str(f),
                    period=cut_period,
                    residual={m: float(v) for m, v in resid.items()},
                )
            )
            continue
        for p, frac in targets:
            requested = {m: float(resid[m] * frac) for m in METRICS}
            nrows = rows_of(f, p) if p is not None else np.zeros(0, dtype=np.int64)
            applied = dict.fromkeys(METRICS, 0.0)
            if len(nrows):
                for m in METRICS:
                    add, left = spread_delta(
                        requested[m], np.ones(len(nrows)), vals[m][nrows], max_adjust_ratio
                    )
                    vals[m][nrows] += add
                    applied[m] = float(add.sum())
                touched[nrows] = True
            else:
                warnings.append(
                    make_warning(
                        "anchor_carryover_unapplied",
                        f"family {f}: no DET rows in neighbour period {p}; residual not applied",
                        family=str(f),
                        from_period=cut_period,
                        to_period=p,
                    )
                )
            carry_log.append(
                {
                    "family": str(f),
                    "from_period": cut_period,
                    "to_period": p,
                    "metrics": requested,
                    "applied": applied,
                    **extra,
                }
            )
    # ---- Q19: clamp, supply_plan = supply, backlog recomputed on adjusted rows
    dem = np.where(touched, np.maximum(0.0, vals["demand"]), vals["demand"])
    sup = np.where(touched, np.maximum(0.0, vals["supply"]), vals["supply"])
    bck = np.where(touched, np.maximum(0.0, dem - sup), vals["backlog"])
    out["demand"] = round6(dem)
    out["supply"] = round6(sup)
    out["backlog"] = round6(bck)
    if "supply_plan" in out.columns:
        out["supply_plan"] = np.where(touched, out["supply"], out["supply_plan"])
    summary["carryover_count"] = len(carry_log)
    summary["carryover_summary"] = {
        "count": len(carry_log),
        "prev": sum(
            1
            for c in carry_log
            if c["to_period"] == calendar.neighbour_period(c["from_period"], -1)
        ),
        "next": sum(
            1
            for c in carry_log
            if c["to_period"] == calendar.neighbour_period(c["from_period"], +1)
        ),
        "carryover_split_next": carryover_split,
        "headroom_capacity_weight": w_cap,
    }
    summary["groups_with_residual"] = residual_total
    summary["note"] = (
        f"anchor_adjust {anchor_policy} on {cut_period}: {summary['groups_adjusted']} family "
        f"group(s) adjusted, {len(carry_log)} carryover(s); DET only, AGG unchanged"
    )
    return AnchorResult(out, carry_log, summary, warnings)

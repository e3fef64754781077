"""Step ``reconcile``: CRP-light fit of finished-good releases into weekly capacity
(spec §8; quirks Q13, Q14, Q15, Q17 addressed) → plan_final + weekly summary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import capacity_by_period
from .calendar import PlanCalendar
from .common import make_warning
from .keys import distinct, key_positions
from .mrp import MRP_COLUMNS
from .rounding import round6, rq_array

PLAN_FINAL_COLUMNS = [*MRP_COLUMNS, "planned_order_release_adj", "planned_order_receipt_adj"]
WEEKLY_SUMMARY_COLUMNS = [
    "week",
    "capacity",
    "original_load",
    "carried_slack_in",
    "spill_in",
    "adjusted_load",
    "spill_out",
    "slack_carry_out",
    "zone",
    "boundary_period",
    "boundary_index",
    "boundary_size",
    "in_window_pre",
    "in_window_post",
]
#: Loads at or below this many pieces count as "no load" for the pass-through rule.
LOAD_EPS = 1e-9


@dataclass
class ReconcileResult:
    """``plan_final``: MRP rows + planned_order_release_adj, planned_order_receipt_adj
    (pieces). ``weekly_summary``: one row per horizon week (:data:`WEEKLY_SUMMARY_COLUMNS`).
    ``boundary_summary``: cutover segmentation info or None. ``unserved_spill``: FG load
    (pieces) still spilling after the last horizon week (Q14)."""

    plan_final: pd.DataFrame
    weekly_summary: pd.DataFrame
    boundary_summary: dict | None = None
    unserved_spill: float = 0.0
    warnings: list[dict] = field(default_factory=list)
    blend_share_next: float | None = None


def weekly_capacity(
    capacity: pd.DataFrame, calendar: PlanCalendar, horizon: list[str]
) -> np.ndarray:
    """Capacity per horizon week (pieces, spec §8.1): each period's pooled capacity spread over
    its weeks by the calendar ratios (fallback: equal split); a straddling week receives its
    share from both periods; weeks without capacity get 0."""
    cap = capacity_by_period(capacity)
    out = np.zeros(len(horizon))
    if len(cap) == 0 or not horizon:
        return out
    wt = calendar.week_table(cap.index.tolist())
    vals = wt["period"].map(cap).to_numpy(dtype=float) * wt["ratio"].to_numpy(dtype=float)
    per_week = pd.Series(vals).groupby(wt["week"].to_numpy()).sum()
    return per_week.reindex(horizon).fillna(0.0).to_numpy(dtype=float)


@dataclass
class _Pass:
    slack_in: np.ndarray
    spill_in: np.ndarray
    adj: np.ndarray
    spill_out: np.ndarray
    slack_out: np.ndarray
    end_slack: float
    end_spill: float


def capacity_pass(
    load: np.ndarray,
    cap: np.ndarray,
    slack: float = 0.0,
    spill: float = 0.0,
    *,
    carry_spill: bool = True,
) -> _Pass:
    """Walk weeks banking unused capacity and pushing excess load forward (spec §8.3)::

        need = load + spill_in; avail = cap + slack
        need ≤ avail → adj = need, slack = avail − need, spill_out = 0
        else         → adj = avail, slack = 0,          spill_out = need − avail

    Deviation: a week without FG load cannot absorb spilled load (the reference would grant it
    capacity that no release can use, so the units vanished); the spill passes through.
    ``carry_spill=False`` (boundary month, §8.4): only the first week receives ``spill``, each
    week's spill_out is accumulated into ``end_spill`` instead of being passed on.
    """
    n = len(load)
    sl_in, sp_in_a, adj, sp_out, sl_out = (np.zeros(n) for _ in range(5))
    acc = 0.0
    for i in range(n):
        sp_in = spill if (carry_spill or i == 0) else 0.0
        need = load[i] + sp_in
        avail = cap[i] + slack
        sl_in[i], sp_in_a[i] = slack, sp_in
        if load[i] <= LOAD_EPS:
            a, slack, so = 0.0, avail, sp_in
        elif need <= avail:
            a, slack, so = need, avail - need, 0.0
        else:
            a, slack, so = avail, 0.0, need - avail
        adj[i], sp_out[i], sl_out[i] = a, so, slack
        if carry_spill:
            spill = so
        else:
            acc += so
    end_spill = spill if carry_spill else (acc if n else spill)
    return _Pass(sl_in, sp_in_a, adj, sp_out, sl_out, slack, end_spill)


def _concat(parts: list[tuple[np.ndarray, _Pass]], n: int) -> dict[str, np.ndarray]:
    out = {k: np.zeros(n) for k in ("slack_in", "spill_in", "adj", "spill_out", "slack_out")}
    for idx, p in parts:
        for k in out:
            out[k][idx] = getattr(p, k)
    return out


def blend_share_next(
    spills: np.ndarray, window_days: int | None, weight_mode: str = "tri"
) -> float:
    """Share of boundary-month spill sent to the next segment under ``blend`` (spec §8.5):
    ``Σ spill_i·w_next_i / Σ spill_i·(w_prev_i + w_next_i)`` with triangular weights
    ``max(0, W − d)`` (d = distance of at-week i from the month start resp. end;
    ``W = ceil(window_days/7)``, else ``max(1, n//2)``; squared for ``quad``), clipped to
    [0.05, 0.95]; 0.5 when there is no spill."""
    n = len(spills)
    if n == 0:
        return 0.5
    big_w = math.ceil(window_days / 7) if window_days else max(1, n // 2)
    i = np.arange(n)
    w_prev = np.maximum(0, big_w - i).astype(float)
    w_next = np.maximum(0, big_w - (n - 1 - i)).astype(float)
    if weight_mode == "quad":
        w_prev, w_next = w_prev**2, w_next**2
    den = float(np.sum(spills * (w_prev + w_next)))
    if den <= 1e-12:
        return 0.5
    return float(min(0.95, max(0.05, float(np.sum(spills * w_next)) / den)))


def week_zones(horizon: list[str], calendar: PlanCalendar, cutover_period: str) -> np.ndarray:
    """``pre``/``at``/``post`` per week: the week's period (§3.3; straddling weeks → later
    period) compared chronologically with the cutover period (Q1)."""
    ck = calendar.period_sort_key(cutover_period)
    zones = []
    for w in horizon:
        k = calendar.period_sort_key(calendar.week_period(w))
        zones.append("pre" if k < ck else ("at" if k == ck else "post"))
    return np.asarray(zones, dtype=object)


def reconcile(
    det: pd.DataFrame,
    mrp_table: pd.DataFrame,
    capacity: pd.DataFrame,
    fg_items,
    calendar: PlanCalendar,
    *,
    round_mode: str = "int",
    cutover_date: str | None = None,
    recon_window_days: int | None = None,
    anchor_policy: str | None = None,
    blend_split_next: float | None = None,
    blend_weight_mode: str = "tri",
) -> ReconcileResult:
    """Fit finished-good releases into weekly capacity (spec §8).

    ``det`` (week column used for the horizon) and ``mrp_table`` (:data:`MRP_COLUMNS`) are
    passed explicitly (Q13). ``capacity``: resource_code, period, capacity (pieces per
    period). ``fg_items``: finished goods (the SKUs of mix_share). Load = Σ FG
    ``planned_order_release`` per week (§8.2).

    Capacity pass (§8.3) or, with ``cutover_date`` and ``anchor_policy``, the segmented
    passes: ``DET_near`` (§8.4: boundary-month spill goes to the first post week), ``AGG_far``
    and ``blend`` (§8.5, implemented per Q15: boundary spill is pre-built in the pre segment,
    all of it resp. ``1 − share_next``; what cannot be pre-built moves to the post segment).

    Releases (§8.6): FG ``release_adj = rq(release·adj/load)`` per week (factor 1 without
    load); adjusted receipts = adjusted releases shifted by ``lt_weeks`` (capped at the last
    week). Non-FG items keep their MRP releases and receipts (Q17).
    """
    warnings: list[dict] = []
    fg = set(fg_items)
    det_weeks = distinct(det["week"]) if det is not None and len(det) else []
    horizon = calendar.order_weeks([*det_weeks, *distinct(mrp_table["week"])])
    n_w = len(horizon)
    cap = weekly_capacity(capacity, calendar, horizon)

    item_codes, item_uniq = pd.factorize(mrp_table["item"])
    wk = key_positions(mrp_table["week"], pd.Index(horizon, dtype="str"))
    is_fg = mrp_table["item"].isin(fg).to_numpy()
    release = mrp_table["planned_order_release"].to_numpy(dtype=float)
    load = np.bincount(wk[is_fg], weights=release[is_fg], minlength=n_w) if n_w else np.zeros(0)
    has_fg = np.bincount(wk[is_fg], minlength=n_w) > 0 if n_w else np.zeros(0, bool)

    # ---- zones and segmentation
    zones = np.full(n_w, None, dtype=object)
    cut_period = None
    if cutover_date:
        periods = distinct(det["period"]) if det is not None and len(det) else []
        cut_period = calendar.cutover_period(cutover_date, periods)
        if cut_period is not None and horizon:
            kind = calendar.period_sort_key(cut_period)[0]
            kinds = {calendar.period_sort_key(calendar.week_period(w))[0] for w in horizon}
            if kinds != {kind}:
                # e.g. M1, M2 … periods: a calendar date cannot be placed among them
                warnings.append(
                    make_warning(
                        "cutover_not_placeable",
                        f"cutover date {cutover_date} cannot be placed among the plan's "
                        "periods; no boundary segmentation applied",
                        cutover_date=cutover_date,
                        period=cut_period,
                    )
                )
                cut_period = None
        if cut_period is not None:
            zones = week_zones(horizon, calendar, cut_period)
    policy = anchor_policy if (cutover_date and cut_period) else None
    share_next = None
    pre = np.flatnonzero(zones == "pre")
    at = np.flatnonzero(zones == "at")
    post = np.flatnonzero(zones == "post")
    if policy is None:
        p_all = capacity_pass(load, cap)
        parts = [(np.arange(n_w), p_all)]
        unserved = p_all.end_spill
    elif policy == "DET_near":
        p_pre = capacity_pass(load[pre], cap[pre])
        p_at = capacity_pass(load[at], cap[at], p_pre.end_slack, p_pre.end_spill, carry_spill=False)
        p_post = capacity_pass(load[post], cap[post], p_at.end_slack, p_at.end_spill)
        parts = [(pre, p_pre), (at, p_at), (post, p_post)]
        unserved = p_post.end_spill
    else:  # AGG_far / blend (§8.5)
        p_pre0 = capacity_pass(load[pre], cap[pre])
        p_at = capacity_pass(load[at], cap[at], 0.0, p_pre0.end_spill, carry_spill=False)
        s_at = p_at.end_spill
        if policy == "blend":
            share_next = (
                float(blend_split_next)
                if blend_split_next is not None
                else blend_share_next(p_at.spill_out, recon_window_days, blend_weight_mode)
            )
        else:
            share_next = 0.0
        to_pre = s_at * (1.0 - share_next)
        p_pre = capacity_pass(load[pre], cap[pre], 0.0, to_pre)
        # load that could not be pre-built (displaced beyond the pre segment) → post
        unbuilt = max(0.0, p_pre.end_spill - p_pre0.end_spill)
        p_post = capacity_pass(
            load[post],
            cap[post],
            p_pre.end_slack + p_at.end_slack,
            s_at * share_next + unbuilt,
        )
        parts = [(pre, p_pre), (at, p_at), (post, p_post)]
        unserved = p_post.end_spill
    arr = _concat(parts, n_w)
    adj = arr["adj"]

    # ---- adjusted releases / receipts (§8.6)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(load > LOAD_EPS, adj / np.where(load > LOAD_EPS, load, 1.0), 1.0)
    rel_adj = release.copy()
    rel_adj[is_fg] = rq_array(release[is_fg] * factor[wk[is_fg]], round_mode)
    receipt = mrp_table["planned_order_receipt"].to_numpy(dtype=float)
    rec_adj = receipt.copy()  # Q17: non-FG keep their MRP receipts
    if is_fg.any():
        lt = mrp_table["lt_weeks"].to_numpy(dtype=np.int64)
        bucket = np.zeros((len(item_uniq), n_w))
        tgt = np.minimum(n_w - 1, wk[is_fg] + np.maximum(0, lt[is_fg]))
        np.add.at(bucket, (item_codes[is_fg], tgt), rel_adj[is_fg])
        rec_adj[is_fg] = rq_array(bucket[item_codes[is_fg], wk[is_fg]], round_mode)
    # shares the MRP columns (copy on write): plan_final costs only its two new columns
    plan_final = mrp_table.assign(
        planned_order_release_adj=round6(rel_adj), planned_order_receipt_adj=round6(rec_adj)
    )

    # ---- weekly summary (§8.7)
    fg_adj = np.bincount(wk[is_fg], weights=rel_adj[is_fg], minlength=n_w) if n_w else adj
    ws = pd.DataFrame(
        {
            "week": pd.Series(horizon, dtype="str"),
            "capacity": round6(cap),
            "original_load": rq_array(load, round_mode),
            "carried_slack_in": round6(arr["slack_in"]),
            "spill_in": round6(arr["spill_in"]),
            "adjusted_load": np.where(
                has_fg, rq_array(fg_adj, round_mode), rq_array(adj, round_mode)
            ),
            "spill_out": round6(arr["spill_out"]),
            "slack_carry_out": round6(arr["slack_out"]),
            "zone": pd.Series(zones, dtype="object"),
        }
    )
    n_at = len(at)
    b_period = np.zeros(n_w, dtype=bool)
    b_index = pd.array([None] * n_w, dtype="Int64")
    b_size = pd.array([None] * n_w, dtype="Int64")
    in_pre = pd.array([None] * n_w, dtype="boolean")
    in_post = pd.array([None] * n_w, dtype="boolean")
    if n_at:
        b_period[at] = True
        idx1 = np.arange(1, n_at + 1)
        b_index[at] = idx1
        b_size[at] = n_at
        if recon_window_days and recon_window_days > 0:
            ww = max(1, math.ceil(recon_window_days / 7))
            in_pre[at] = idx1 <= ww
            in_post[at] = (n_at - idx1 + 1) <= ww
    ws["boundary_period"] = b_period
    ws["boundary_index"] = b_index
    ws["boundary_size"] = b_size
    ws["in_window_pre"] = in_pre
    ws["in_window_post"] = in_post
    boundary = None
    if cut_period is not None and cutover_date:
        boundary = {
            "period": cut_period,
            "anchor_policy": anchor_policy,
            "window_days": recon_window_days,
            "weeks": int(n_at),
            "pre_weeks": int(len(pre)),
            "post_weeks": int(len(post)),
            "segmented": policy is not None,
            "blend_share_next": share_next if policy == "blend" else None,
        }
    unserved = float(round6(np.asarray([unserved]))[0])
    if unserved > 1e-6:
        warnings.append(
            make_warning(
                "unserved_spill",
                f"{unserved:g} pieces of finished-good load did not fit into capacity before "
                "the end of the horizon",
                qty=unserved,
            )
        )
    return ReconcileResult(plan_final, ws, boundary, unserved, warnings, share_next)

"""Orchestration of the planning DAG (spec §1) as one in-process function call.

aggregate → allocate → mrp → reconcile → reconcile_levels → report → series/KPIs, plus
anchor_adjust (→ reconcile_levels, and with ``apply_adjusted`` mrp → reconcile) when a cutover
date and an anchor policy are given.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from .aggregate import aggregate, aggregate_warnings
from .allocate import allocate, normalise_mix
from .anchor import anchor_adjust
from .balance import plan_balance_check, psi_flow, with_aggregate_flow
from .calendar import PlanCalendar
from .inputs import PipelineInputs, normalise_inputs
from .levels import reconcile_levels
from .mrp import mrp
from .params import PlanParams
from .reconcile import reconcile
from .report import build_report
from .result import PipelineResult
from .series import build_kpis, receipts_rewrite
from .series_tables import RowLevels, build_series_tables

ProgressCallback = Callable[[str, int], None]

_WEIGHTS = {
    "prepare": 2,
    "aggregate": 3,
    "allocate": 12,
    "mrp": 20,
    "reconcile": 8,
    "reconcile_levels": 4,
    "anchor_adjust": 4,
    "reconcile_levels_adjusted": 3,
    "mrp_adjusted": 15,
    "reconcile_adjusted": 6,
    "report": 2,
    "series": 20,
}


class _Progress:
    def __init__(self, steps: list[str], callback: ProgressCallback | None) -> None:
        total = sum(_WEIGHTS[s] for s in steps)
        self._start: dict[str, int] = {}
        acc = 0
        for s in steps:
            self._start[s] = int(acc * 100 / total)
            acc += _WEIGHTS[s]
        self._cb = callback
        self.timings: dict[str, float] = {}
        self._t = 0.0
        self._cur: str | None = None

    def step(self, name: str) -> None:
        self._close()
        self._cur = name
        self._t = time.perf_counter()
        if self._cb is not None:
            self._cb(name, self._start[name])

    def _close(self) -> None:
        if self._cur is not None:
            self.timings[self._cur] = round(time.perf_counter() - self._t, 6)
            self._cur = None

    def done(self) -> None:
        self._close()
        if self._cb is not None:
            self._cb("done", 100)


def run(
    inputs: PipelineInputs,
    params: PlanParams | None = None,
    progress: ProgressCallback | None = None,
) -> PipelineResult:
    """Run the whole planning pipeline in memory (spec §1) and return a
    :class:`~plans.pipeline.result.PipelineResult`.

    ``progress(step_name, percent)`` is called when each step starts (``percent`` = overall
    completion 0–99, non-decreasing) and finally with ``("done", 100)``; an exception raised
    by the callback aborts the run. Step names: prepare, aggregate, allocate, mrp, reconcile,
    reconcile_levels, [anchor_adjust, reconcile_levels_adjusted, [mrp_adjusted,
    reconcile_adjusted]], report, series (which ends with ``plan_balance_check``).

    Raises ``ValueError`` for invalid inputs (missing columns, invalid calendar, BOM cycle).
    """
    params = params or PlanParams()
    steps = ["prepare", "aggregate", "allocate", "mrp", "reconcile", "reconcile_levels"]
    if params.anchor_active:
        steps += ["anchor_adjust", "reconcile_levels_adjusted"]
        if params.apply_adjusted:
            steps += ["mrp_adjusted", "reconcile_adjusted"]
    steps += ["report", "series"]
    prog = _Progress(steps, progress)

    prog.step("prepare")
    inp, warnings = normalise_inputs(inputs)
    cal = PlanCalendar(inp.calendar, params.fallback_weeks)
    mix_norm = normalise_mix(inp.mix_share)
    fg_items = list(dict.fromkeys(mix_norm["sku"].tolist()))
    recon_kw = {
        "round_mode": params.round_mode,
        "cutover_date": params.cutover_date,
        "recon_window_days": params.recon_window_days,
        "anchor_policy": params.anchor_policy,
        "blend_split_next": params.blend_split_next,
        "blend_weight_mode": params.blend_weight_mode,
    }
    levels_kw = {
        "tol_abs": params.tolerance_abs,
        "tol_rel": params.tolerance_rel,
        "calendar": cal,
        "cutover_date": params.cutover_date,
        "anchor_policy": params.anchor_policy,
        "recon_window_days": params.recon_window_days,
        "version_id": params.version_id,
    }

    prog.step("aggregate")
    agg = aggregate(inp.family_demand, inp.capacity, round_mode=params.round_mode, calendar=cal)
    warnings += aggregate_warnings(inp.family_demand, inp.capacity)

    prog.step("allocate")
    alloc = allocate(agg, inp.mix_share, cal, round_mode=params.round_mode)
    det = alloc.det
    warnings += alloc.warnings

    prog.step("mrp")
    mres = mrp(
        det,
        inp.items,
        inp.inventory,
        inp.inbound,
        inp.bom,
        cal,
        lt_unit=params.lt_unit,
        week_days=params.week_days,
    )
    warnings += mres.warnings

    prog.step("reconcile")
    rec = reconcile(det, mres.table, inp.capacity, fg_items, cal, **recon_kw)
    warnings += rec.warnings

    prog.step("reconcile_levels")
    recon = reconcile_levels(agg, det, **levels_kw)

    det_adj = recon_adj = anchor_res = mres_adj = rec_adj = None
    if params.anchor_active:
        prog.step("anchor_adjust")
        anchor_res = anchor_adjust(
            agg,
            det,
            cal,
            cutover_date=params.cutover_date,
            anchor_policy=params.anchor_policy,
            recon_window_days=params.recon_window_days,
            max_adjust_ratio=params.max_adjust_ratio,
            tol_abs=params.tolerance_abs,
            tol_rel=params.tolerance_rel,
            carryover_mode=params.carryover_mode,
            carryover_split=params.carryover_split,
            capacity=inp.capacity,
            inbound=inp.inbound,
            period_metrics=inp.period_metrics,
            headroom_weights=(
                params.headroom_weight_capacity,
                params.headroom_weight_inbound,
                params.headroom_weight_score,
                params.headroom_weight_cost,
            ),
        )
        det_adj = anchor_res.det
        warnings += anchor_res.warnings
        prog.step("reconcile_levels_adjusted")
        recon_adj = reconcile_levels(agg, det_adj, **levels_kw)
        if params.apply_adjusted:
            prog.step("mrp_adjusted")
            mres_adj = mrp(
                det_adj,
                inp.items,
                inp.inventory,
                inp.inbound,
                inp.bom,
                cal,
                lt_unit=params.lt_unit,
                week_days=params.week_days,
            )
            prog.step("reconcile_adjusted")
            rec_adj = reconcile(det_adj, mres_adj.table, inp.capacity, fg_items, cal, **recon_kw)
            warnings += [{**w, "plan": "adjusted"} for w in rec_adj.warnings]

    prog.step("report")
    report = build_report(rec.plan_final, rec.weekly_summary, fg_items)
    report_adj = (
        build_report(rec_adj.plan_final, rec_adj.weekly_summary, fg_items) if rec_adj else None
    )

    prog.step("series")
    if rec_adj is not None:
        det_eff, mrp_eff, rec_eff = det_adj, mres_adj.table, rec_adj
    else:
        det_eff, mrp_eff, rec_eff = det, mres.table, rec
    agg_rw, det_rw = receipts_rewrite(
        agg, det_eff, rec_eff.plan_final, cal, round_mode=params.round_mode
    )
    # balanced PSI measures (issue 14 §2): one flow per SKU, summed per level bucket
    flow = psi_flow(det_rw, mrp_eff, inp.inventory, cal)
    det_rw = pd.concat([det_rw, flow.set_axis(det_rw.index)], axis=1)
    agg_rw = with_aggregate_flow(agg_rw, det_rw)
    series_tables = build_series_tables(
        agg_rw,
        det_rw,
        mrp_eff,
        rec_eff.plan_final,
        rec_eff.weekly_summary,
        det_adjusted=det_adj,
    )
    balance = plan_balance_check(det_rw, agg_rw)
    kpis = build_kpis(
        agg_rw,
        rec_eff.weekly_summary,
        unserved_spill=rec_eff.unserved_spill,
        calendar=cal,
        week_days=params.week_days,
        balance_violations=balance["violations"],
    )
    inputs_summary = {
        "demand_rows": len(inp.family_demand),
        "capacity_rows": len(inp.capacity),
        "mix_rows": len(inp.mix_share),
        "mix_families": int(mix_norm["family"].nunique()),
        "items": int(inp.items["item_code"].nunique()),
        "inventory_rows": len(inp.inventory),
        "open_po": len(inp.inbound),
        "bom_links": len(inp.bom),
        "calendar_mode": cal.calendar_mode,
        "calendar_periods": len(cal.calendar_periods),
    }
    prog.done()
    return PipelineResult(
        params=params,
        aggregate=agg,
        det=det,
        mrp=mres.table,
        plan_final=rec.plan_final,
        weekly_summary=rec.weekly_summary,
        reconciliation=recon,
        report=report,
        aggregate_rewritten=agg_rw,
        det_rewritten=det_rw,
        series_tables=series_tables,
        series=RowLevels(series_tables),
        kpis=kpis,
        balance=balance,
        warnings=warnings,
        inbound_issues=mres.inbound_issues,
        boundary_summary=rec.boundary_summary,
        unserved_spill=rec_eff.unserved_spill,
        fg_items=fg_items,
        low_level_codes=mres.low_level_codes,
        inputs_summary=inputs_summary,
        det_adjusted=det_adj,
        reconciliation_adjusted=recon_adj,
        carryover=anchor_res.carryover if anchor_res else [],
        anchor_summary=anchor_res.summary if anchor_res else None,
        mrp_adjusted=mres_adj.table if mres_adj else None,
        plan_final_adjusted=rec_adj.plan_final if rec_adj else None,
        weekly_summary_adjusted=rec_adj.weekly_summary if rec_adj else None,
        report_adjusted=report_adj,
        boundary_summary_adjusted=rec_adj.boundary_summary if rec_adj else None,
        timings=prog.timings,
    )

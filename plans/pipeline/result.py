"""Pipeline result container and JSON artifacts (spec §5–§9 output files)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .common import frame_records, to_jsonable
from .params import PlanParams


@dataclass
class PipelineResult:
    """Everything one pipeline run produces. Quantities in pieces, lead times in weeks.

    Baseline frames: ``aggregate`` (family, period, demand, supply, backlog, capacity_total),
    ``det`` (family, period, sku, week, demand, supply, supply_plan, backlog), ``mrp`` (item,
    week, gross_req, scheduled_receipts, on_hand_start, net_req, planned_order_receipt,
    planned_order_release, lt_weeks, lot, moq, on_hand_end), ``plan_final`` (mrp columns +
    planned_order_release_adj, planned_order_receipt_adj), ``weekly_summary`` (week, capacity,
    original_load, carried_slack_in, spill_in, adjusted_load, spill_out, slack_carry_out, zone,
    boundary_*), ``report`` (§11), ``reconciliation`` (§9 dict with a ``deltas`` DataFrame).

    ``aggregate_rewritten``/``det_rewritten``: after the §12.1 receipts rewrite (source of
    ``series`` and ``kpis``). ``series_tables``: mapping level → the level's narrow table
    (:mod:`~plans.pipeline.series_tables`, what the columnar store writes); ``series``: the same
    levels in the §12.2 row shape (``SERIES_COLUMNS``). Both are
    :class:`~plans.pipeline.series_tables.LazyLevels`: each level is built on first access, so
    ``dict(result.series)`` or ``result.series.materialize()`` builds them all. ``kpis``: list of
    ``{metric, bucket_type, bucket_key, value, unit}``. ``warnings``: ``{code, message, …}``.
    ``inbound_issues``: POs moved to week 1 or ignored (Q11).

    Anchor (only with cutover_date and anchor_policy): ``det_adjusted``,
    ``reconciliation_adjusted``, ``carryover``, ``anchor_summary``; with ``apply_adjusted``
    also ``mrp_adjusted``, ``plan_final_adjusted``, ``weekly_summary_adjusted``,
    ``report_adjusted`` — and then series/KPIs are built from the adjusted plan.
    """

    params: PlanParams
    aggregate: pd.DataFrame
    det: pd.DataFrame
    mrp: pd.DataFrame
    plan_final: pd.DataFrame
    weekly_summary: pd.DataFrame
    reconciliation: dict
    report: pd.DataFrame
    aggregate_rewritten: pd.DataFrame
    det_rewritten: pd.DataFrame
    series: Mapping[str, pd.DataFrame]
    series_tables: Mapping[str, pd.DataFrame]
    kpis: list[dict]
    warnings: list[dict]
    inbound_issues: pd.DataFrame
    boundary_summary: dict | None = None
    unserved_spill: float = 0.0
    fg_items: list[str] = field(default_factory=list)
    low_level_codes: dict[str, int] = field(default_factory=dict)
    inputs_summary: dict[str, Any] = field(default_factory=dict)
    det_adjusted: pd.DataFrame | None = None
    reconciliation_adjusted: dict | None = None
    carryover: list[dict] = field(default_factory=list)
    anchor_summary: dict | None = None
    mrp_adjusted: pd.DataFrame | None = None
    plan_final_adjusted: pd.DataFrame | None = None
    weekly_summary_adjusted: pd.DataFrame | None = None
    report_adjusted: pd.DataFrame | None = None
    boundary_summary_adjusted: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: ``plan_balance_check`` report (:func:`.balance.plan_balance_check`)
    balance: dict = field(default_factory=dict)

    def kpi(self, metric: str, bucket_type: str = "total", bucket_key: str = "total"):
        """Value of one KPI, or None."""
        for k in self.kpis:
            if (k["metric"], k["bucket_type"], k["bucket_key"]) == (
                metric,
                bucket_type,
                bucket_key,
            ):
                return k["value"]
        return None

    # ------------------------------------------------------------------ artifacts
    def _cal_summary(self) -> dict:
        s = self.inputs_summary
        return {
            "calendar_mode": s.get("calendar_mode"),
            "calendar_periods": s.get("calendar_periods"),
        }

    def _det_payload(self, det: pd.DataFrame, limit: int | None = None) -> dict:
        s = self.inputs_summary
        return {
            "schema_version": "det-1.0",
            "note": "family → SKU and period → week allocation (spec §6)",
            "inputs_summary": {
                "demand_rows": s.get("demand_rows"),
                "capacity_rows": s.get("capacity_rows"),
                "mix_rows": s.get("mix_rows"),
                "aggregate_rows": len(self.aggregate),
                "mix_families": s.get("mix_families"),
                "round_mode": self.params.round_mode,
                **self._cal_summary(),
            },
            **_rows(det, limit),
        }

    def _mrp_payload(self, table: pd.DataFrame, limit: int | None = None) -> dict:
        s = self.inputs_summary
        return {
            "schema_version": "mrp-1.0",
            "note": "time-phased MRP, multi-level by low-level code (spec §7, Q11, Q12)",
            "inputs_summary": {
                "items": s.get("items"),
                "open_po": s.get("open_po"),
                "bom_links": s.get("bom_links"),
                "weeks": int(table["week"].nunique()) if len(table) else 0,
                "lt_unit": self.params.lt_unit,
                "calendar_mode": s.get("calendar_mode"),
            },
            "inbound_issues": frame_records(self.inbound_issues),
            **_rows(table, limit),
        }

    def _plan_final_payload(
        self,
        pf: pd.DataFrame,
        ws: pd.DataFrame,
        boundary: dict | None,
        det: pd.DataFrame,
        limit: int | None = None,
    ) -> dict:
        return {
            "schema_version": "plan-final-1.0",
            "note": "capacity-reconciled plan (spec §8)",
            "inputs_summary": {
                "allocate_rows": len(det),
                "mrp_rows": len(pf),
                "weeks": len(ws),
                "fg_skus": list(self.fg_items),
                **self._cal_summary(),
            },
            "reconcile_params": {
                "cutover_date": self.params.cutover_date,
                "recon_window_days": self.params.recon_window_days,
                "anchor_policy": self.params.anchor_policy,
            },
            "weekly_summary": frame_records(ws),
            "boundary_summary": to_jsonable(boundary),
            "unserved_spill": self.unserved_spill,
            **_rows(pf, limit),
        }

    @staticmethod
    def _recon_payload(recon: dict) -> dict:
        out = {k: v for k, v in recon.items() if k != "deltas"}
        out = to_jsonable(out)
        out["deltas"] = frame_records(recon["deltas"])
        return out

    def to_artifacts(self, max_rows: int | None = None) -> dict[str, dict]:
        """JSON-serialisable artifacts: file name → payload (``aggregate.json``,
        ``sku_week.json``, ``mrp.json``, ``plan_final.json``, ``reconciliation_log.json``,
        ``balance_check.json``, plus
        the ``*_adjusted.json`` variants when anchor_adjust ran). Values are plain Python
        (NaN → None). A table longer than ``max_rows`` is not serialised: its payload gets
        ``rows: []`` and ``rows_omitted: <count>`` (the caller keeps the rows elsewhere)."""
        limit = max_rows
        s = self.inputs_summary
        arts: dict[str, dict] = {
            "aggregate.json": {
                "schema_version": "agg-1.0",
                "note": "capacity-feasible family supply per period (spec §5)",
                "inputs_summary": {
                    "demand_rows": s.get("demand_rows"),
                    "capacity_rows": s.get("capacity_rows"),
                    "mix_rows": s.get("mix_rows"),
                },
                **_rows(self.aggregate, limit),
            },
            "sku_week.json": self._det_payload(self.det, limit),
            "mrp.json": self._mrp_payload(self.mrp, limit),
            "plan_final.json": self._plan_final_payload(
                self.plan_final, self.weekly_summary, self.boundary_summary, self.det, limit
            ),
            "reconciliation_log.json": self._recon_payload(self.reconciliation),
            "balance_check.json": to_jsonable(self.balance),
        }
        if self.det_adjusted is not None:
            payload = self._det_payload(self.det_adjusted, limit)
            payload["cutover"] = {
                "cutover_date": self.params.cutover_date,
                "anchor_policy": self.params.anchor_policy,
                "recon_window_days": self.params.recon_window_days,
            }
            payload["carryover"] = to_jsonable(self.carryover)
            payload["carryover_summary"] = to_jsonable(
                (self.anchor_summary or {}).get("carryover_summary")
            )
            payload["note"] = (self.anchor_summary or {}).get("note", "")
            arts["sku_week_adjusted.json"] = payload
        if self.reconciliation_adjusted is not None:
            arts["reconciliation_log_adjusted.json"] = self._recon_payload(
                self.reconciliation_adjusted
            )
        if self.mrp_adjusted is not None:
            arts["mrp_adjusted.json"] = self._mrp_payload(self.mrp_adjusted, limit)
        if self.plan_final_adjusted is not None and self.det_adjusted is not None:
            arts["plan_final_adjusted.json"] = self._plan_final_payload(
                self.plan_final_adjusted,
                self.weekly_summary_adjusted,
                self.boundary_summary_adjusted,
                self.det_adjusted,
                limit,
            )
        return arts


def _rows(frame: pd.DataFrame, limit: int | None) -> dict:
    """``{"rows": records}``, or ``{"rows": [], "rows_omitted": n}`` beyond ``limit``."""
    if limit is not None and len(frame) > limit:
        return {"rows": [], "rows_omitted": len(frame)}
    return {"rows": frame_records(frame)}

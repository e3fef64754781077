"""Step ``report``: capacity and service rows per week (spec §11)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rounding import round6

REPORT_COLUMNS = [
    "type",
    "week",
    "capacity",
    "original_load",
    "adjusted_load",
    "utilization",
    "spill_in",
    "spill_out",
    "demand",
    "supply_plan",
    "fill_rate",
]


def build_report(plan_final: pd.DataFrame, weekly_summary: pd.DataFrame, fg_items) -> pd.DataFrame:
    """Report rows (spec §11): ``type=capacity`` per weekly-summary row (capacity, original and
    adjusted load, ``utilization = adjusted_load/capacity`` (0 without capacity), spill in/out)
    then ``type=service`` per week over finished goods: ``demand = Σ gross_req``,
    ``supply_plan = Σ (scheduled_receipts + planned_order_receipt_adj)``, ``fill_rate =
    min(1, supply_plan/demand)`` (1 without demand; opening stock not counted, Q21).
    Quantities in pieces, ratios as fractions, rounded to 6 decimals; irrelevant cells NaN."""
    ws = weekly_summary
    cap = ws["capacity"].to_numpy(dtype=float)
    adj = ws["adjusted_load"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, adj / np.where(cap > 0, cap, 1.0), 0.0)
    cap_rows = pd.DataFrame(
        {
            "type": "capacity",
            "week": ws["week"].to_numpy(),
            "capacity": round6(cap),
            "original_load": round6(ws["original_load"]),
            "adjusted_load": round6(adj),
            "utilization": round6(util),
            "spill_in": round6(ws["spill_in"]),
            "spill_out": round6(ws["spill_out"]),
        }
    )
    fgm = plan_final["item"].isin(set(fg_items))
    pf = plan_final.loc[fgm]
    dem = pf.groupby("week")["gross_req"].sum()
    sup = (pf["scheduled_receipts"] + pf["planned_order_receipt_adj"]).groupby(pf["week"]).sum()
    weeks = ws["week"]
    d = weeks.map(dem).fillna(0.0).to_numpy(dtype=float)
    s = weeks.map(sup).fillna(0.0).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(d > 0, np.minimum(1.0, s / np.where(d > 0, d, 1.0)), 1.0)
    svc_rows = pd.DataFrame(
        {
            "type": "service",
            "week": weeks.to_numpy(),
            "demand": round6(d),
            "supply_plan": round6(s),
            "fill_rate": round6(fill),
        }
    )
    out = pd.concat([cap_rows, svc_rows], ignore_index=True)
    return out.reindex(columns=REPORT_COLUMNS).astype({"type": "str", "week": "str"})

"""Read the scpln sample inputs (read-only, outside the repo) into the pipeline contract."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from plans.pipeline import PipelineInputs

SAMPLE_DIR = Path("/work/shared/data/scpln_sample_planning")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / name, dtype=str, keep_default_na=False)


def load_sample_inputs(*, with_calendar: bool = True) -> PipelineInputs:
    """Sample CSVs → :class:`PipelineInputs` (column renames per spec §2.3). Skips the test
    when the shared sample folder is not available."""
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"sample data not available at {SAMPLE_DIR}")
    demand = _csv("demand_family.csv").rename(columns={"family": "family_code"})
    capacity = _csv("capacity.csv").rename(columns={"workcenter": "resource_code"})
    mix = _csv("mix_share.csv").rename(columns={"family": "family_code", "sku": "sku_code"})
    inventory = _csv("inventory.csv").rename(
        columns={"item": "item_code", "loc": "node_code", "qty": "on_hand"}
    )
    po = _csv("open_po.csv").rename(columns={"item": "item_code", "due": "due_date"})
    po.insert(
        0,
        "po_id",
        [f"{i}:{d}:{n}" for n, (i, d) in enumerate(zip(po.item_code, po.due_date, strict=False))],
    )
    items = _csv("item.csv").rename(
        columns={"item": "item_code", "lt": "lead_time_days", "lot": "lot_size"}
    )
    bom = _csv("bom.csv").rename(columns={"parent": "parent_item", "child": "child_item"})
    metrics = pd.concat(
        [
            _csv("period_cost.csv").rename(columns={"cost": "value"}).assign(metric_code="cost"),
            _csv("period_score.csv").rename(columns={"score": "value"}).assign(metric_code="score"),
        ],
        ignore_index=True,
    )[["metric_code", "period", "value"]]
    calendar = None
    if with_calendar:
        calendar = json.loads((SAMPLE_DIR / "planning_calendar.json").read_text(encoding="utf-8"))
    return PipelineInputs(
        family_demand=demand,
        capacity=capacity,
        mix_share=mix,
        inventory=inventory,
        inbound=po,
        period_metrics=metrics,
        items=items,
        bom=bom,
        calendar=calendar,
    )


def tight_capacity(inputs: PipelineInputs) -> PipelineInputs:
    """Spec §13 tight-capacity variant: 150 per month plus 50 extra in 2025-01."""
    cap = inputs.capacity.copy()
    cap["capacity"] = ["200" if p == "2025-01" else "150" for p in cap["period"]]
    return PipelineInputs(**{**inputs.__dict__, "capacity": cap})

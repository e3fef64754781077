"""Small builders for hand-made pipeline inputs (Django-free)."""

from __future__ import annotations

import pandas as pd

from plans.pipeline.inputs import PipelineInputs, empty_frame


def frame(table: str, rows: list[tuple]) -> pd.DataFrame:
    """DataFrame with the contract columns of ``table`` from positional tuples."""
    cols = list(empty_frame(table).columns)
    if not rows:
        return empty_frame(table)
    return pd.DataFrame(rows, columns=cols)


def inputs(**tables) -> PipelineInputs:
    """PipelineInputs from ``table=[tuples]`` keyword args (``calendar=`` passes through)."""
    cal = tables.pop("calendar", None)
    return PipelineInputs(**{k: frame(k, v) for k, v in tables.items()}, calendar=cal)


def det_frame(rows: list[tuple]) -> pd.DataFrame:
    """DET rows from (family, period, sku, week, demand[, supply[, backlog]]) tuples."""
    out = []
    for r in rows:
        f, p, s, w, d = r[:5]
        sup = r[5] if len(r) > 5 else d
        b = r[6] if len(r) > 6 else max(0.0, d - sup)
        out.append((f, p, s, w, float(d), float(sup), float(sup), float(b)))
    return pd.DataFrame(
        out,
        columns=["family", "period", "sku", "week", "demand", "supply", "supply_plan", "backlog"],
    )


def mrp_row(item, week, release, receipt=0.0, lt=0, gross=0.0):
    """One MRP table row (other columns zero)."""
    return {
        "item": item,
        "week": week,
        "gross_req": gross,
        "scheduled_receipts": 0.0,
        "on_hand_start": 0.0,
        "net_req": 0.0,
        "planned_order_receipt": receipt,
        "planned_order_release": release,
        "lt_weeks": lt,
        "lot": 1.0,
        "moq": 0.0,
        "on_hand_end": 0.0,
    }

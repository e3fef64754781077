"""Spec §6 allocate (Q7 largest remainder, Q9 pseudo-SKU, Q10 equal shares)."""

import pandas as pd
import pytest

from plans.pipeline.aggregate import aggregate
from plans.pipeline.allocate import allocate
from plans.pipeline.calendar import PlanCalendar
from plans.pipeline.inputs import normalise_inputs

from .helpers import frame
from .sample import load_sample_inputs


def _agg_rows(rows):
    return pd.DataFrame(rows, columns=["family", "period", "demand", "supply", "backlog"]).assign(
        capacity_total=0.0
    )


@pytest.fixture(scope="module")
def sample_det():
    inp, _ = normalise_inputs(load_sample_inputs())
    cal = PlanCalendar(inp.calendar)
    agg = aggregate(inp.family_demand, inp.capacity, calendar=cal)
    return allocate(agg, inp.mix_share, cal).det


def weeks_of(det, family, period, sku, col="demand"):
    m = (det.family == family) & (det.period == period) & (det.sku == sku)
    return det.loc[m, col].tolist()


def test_worked_example_largest_remainder(sample_det):
    # §13 step 2 with Q7: F1/2025-01 → SKU1 60, SKU2 40 over weights 5,7,7,7,5 (Σ31).
    # SKU1: raw 9.677, 13.548×3, 9.677 → floors 9,13,13,13,9 (57); the 3 missing units go one
    # each to the largest fractions (.677 W01, .677 W05, .548 W02) → 10,14,13,13,10.
    # (The reference gives all three to W01: 12,13,13,13,9.)
    assert weeks_of(sample_det, "F1", "2025-01", "SKU1") == [10, 14, 13, 13, 10]
    # SKU2: 6.45, 9.03×3, 6.45 → 6,9,9,9,6 (39) + 1 to W01 → 7,9,9,9,6 (same as reference)
    assert weeks_of(sample_det, "F1", "2025-01", "SKU2") == [7, 9, 9, 9, 6]
    # SKU3: 12.90, 18.06×3, 12.90 → 12,18,18,18,12 (78) + W01, W05 → 13,18,18,18,13
    # (reference 14,18,18,18,12)
    assert weeks_of(sample_det, "F2", "2025-01", "SKU3") == [13, 18, 18, 18, 13]
    # F2/2025-02 (90, weights 2,7,7,7,5 Σ28): 6.43, 22.5×3, 16.07 → 6,22,22,22,16 (88) +
    # W06, W07 (.5 ties → lower index first) → 6,23,23,22,16 (reference 6,24,22,22,16)
    assert weeks_of(sample_det, "F2", "2025-02", "SKU3") == [6, 23, 23, 22, 16]


def test_shape_and_conservation(sample_det):
    assert len(sample_det) == 186  # 12 periods × 3 SKUs × 5–6 weeks (straddles twice)
    assert list(sample_det.columns) == [
        "family", "period", "sku", "week", "demand", "supply", "supply_plan", "backlog"
    ]  # fmt: skip
    assert sample_det["demand"].sum() == 3780
    assert (sample_det["supply_plan"] == sample_det["supply"]).all()
    assert (
        sample_det[sample_det.week == "2025-W05"]["period"].tolist()
        == ["2025-01"] * 3 + ["2025-02"] * 3
    )


def test_supply_capped_by_demand_and_backlog_int():
    agg = _agg_rows([("F", "2025-02", 120, 86, 34)])
    mix = frame("mix_share", [("F", "A", 0.6), ("F", "B", 0.4)])
    cal = PlanCalendar(load_sample_inputs().calendar)
    det = allocate(agg, mix, cal).det
    # §13 tight variant: SKU A (=SKU1) demand 72 over 2,7,7,7,5 and supply 52 (LR of 86·0.6)
    assert weeks_of(det, "F", "2025-02", "A") == [5, 18, 18, 18, 13]
    sup = weeks_of(det, "F", "2025-02", "A", "supply")
    assert sum(sup) == 52 and sup == [4, 13, 13, 13, 9]
    assert weeks_of(det, "F", "2025-02", "A", "backlog") == [1, 5, 5, 5, 4]
    assert det["supply"].sum() == 86 and det["backlog"].sum() == 34


def test_family_without_mix_gets_pseudo_sku_and_warning():
    agg = _agg_rows([("F", "M1", 8, 8, 0), ("G", "M1", 4, 4, 0)])
    res = allocate(agg, frame("mix_share", [("F", "A", 1.0)]), PlanCalendar(None))
    assert res.pseudo_skus == ["G"]
    assert res.warnings[0]["code"] == "family_without_mix"
    assert weeks_of(res.det, "G", "M1", "G") == [1, 1, 1, 1]


@pytest.mark.parametrize("mode", ["int", "none", "dec1"])
def test_zero_shares_fall_back_to_equal_shares_q10(mode):
    agg = _agg_rows([("F", "M1", 40, 40, 0)])
    mix = frame("mix_share", [("F", "A", 0.0), ("F", "B", 0.0)])
    det = allocate(agg, mix, PlanCalendar(None), round_mode=mode).det
    assert det.groupby("sku")["demand"].sum().to_dict() == {"A": 20, "B": 20}


def test_non_int_mode_adds_rounding_difference_to_last_week():
    agg = _agg_rows([("F", "M1", 10, 10, 0)])
    det = allocate(
        agg, frame("mix_share", [("F", "A", 1)]), PlanCalendar(None, 3), round_mode="dec1"
    ).det
    # 3.333 → 3.3, 3.3, last 3.3 + 0.1
    assert det["demand"].tolist() == pytest.approx([3.3, 3.3, 3.4])

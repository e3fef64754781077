"""Spec §5 aggregate."""

import pytest

from plans.pipeline.aggregate import aggregate, aggregate_warnings
from plans.pipeline.calendar import PlanCalendar
from plans.pipeline.inputs import normalise_inputs

from .helpers import frame
from .sample import load_sample_inputs, tight_capacity


def _agg(demand, capacity, mode="int"):
    return aggregate(frame("family_demand", demand), frame("capacity", capacity), round_mode=mode)


def rows(df):
    return {(r.family, r.period): (r.demand, r.supply, r.backlog) for r in df.itertuples()}


def test_enough_capacity_supply_equals_demand_and_duplicates_sum():
    out = _agg(
        [("A", "P1", 30), ("A", "P1", 10), ("B", "P1", 20)], [("R1", "P1", 50), ("R2", "P1", 20)]
    )
    assert rows(out) == {("A", "P1"): (40, 40, 0), ("B", "P1"): (20, 20, 0)}
    assert set(out["capacity_total"]) == {70}


def test_pro_rata_rationing_int_largest_remainder():
    # 100 + 50 > 100 capacity: raw 66.667 / 33.333 → 67 / 33
    out = _agg([("A", "P1", 100), ("B", "P1", 50)], [("R", "P1", 100)])
    assert rows(out) == {("A", "P1"): (100, 67, 33), ("B", "P1"): (50, 33, 17)}


def test_pro_rata_non_int_modes():
    out = _agg([("A", "P1", 100), ("B", "P1", 50)], [("R", "P1", 100)], mode="dec1")
    assert rows(out)[("A", "P1")] == (100, 66.7, 33.3)
    out = _agg([("A", "P1", 100), ("B", "P1", 50)], [("R", "P1", 100)], mode="none")
    assert rows(out)[("B", "P1")][1] == pytest.approx(33.333333)


def test_period_without_capacity_has_zero_supply_and_warns():
    d = frame("family_demand", [("A", "P1", 10), ("A", "P2", 5)])
    c = frame("capacity", [("R", "P1", 100)])
    out = aggregate(d, c)
    assert rows(out)[("A", "P2")] == (5, 0, 5)
    assert aggregate_warnings(d, c)[0]["periods"] == ["P2"]


def test_order_is_chronological_q1():
    out = _agg([("A", "M10", 1), ("A", "M2", 1), ("B", "M2", 1)], [])
    assert list(zip(out.period, out.family, strict=True)) == [
        ("M2", "A"),
        ("M2", "B"),
        ("M10", "A"),
    ]


def test_sample_worked_example():
    inp, _ = normalise_inputs(load_sample_inputs())
    cal = PlanCalendar(inp.calendar)
    out = aggregate(inp.family_demand, inp.capacity, calendar=cal)
    r = rows(out)
    assert r[("F1", "2025-01")] == (100, 100, 0)
    assert r[("F2", "2025-01")] == (80, 80, 0)
    assert len(out) == 24
    assert out["demand"].sum() == 3780
    assert out.groupby("family")["demand"].sum().to_dict() == {"F1": 2160, "F2": 1620}
    assert set(out["capacity_total"]) == {500}


def test_tight_capacity_variant():
    inp, _ = normalise_inputs(tight_capacity(load_sample_inputs()))
    out = aggregate(inp.family_demand, inp.capacity, calendar=PlanCalendar(inp.calendar))
    r = rows(out)
    # 120 + 90 = 210 > 150 → ratio 0.7143 → raw 85.714 / 64.286 → 86 / 64
    assert r[("F1", "2025-02")] == (120, 86, 34)
    assert r[("F2", "2025-02")] == (90, 64, 26)
    assert r[("F1", "2025-01")] == (100, 100, 0)  # 200 ≥ 180 in January

"""Spec §9 reconcile_levels and §10 anchor_adjust (Q19 clamp, Q20 applied amounts)."""

import pytest

from plans.pipeline.aggregate import aggregate
from plans.pipeline.allocate import allocate
from plans.pipeline.anchor import anchor_adjust, anchor_weights, spread_delta
from plans.pipeline.calendar import PlanCalendar
from plans.pipeline.inputs import normalise_inputs
from plans.pipeline.levels import reconcile_levels

from .sample import load_sample_inputs


@pytest.fixture(scope="module")
def base():
    inp, _ = normalise_inputs(load_sample_inputs())
    cal = PlanCalendar(inp.calendar)
    agg = aggregate(inp.family_demand, inp.capacity, calendar=cal)
    det = allocate(agg, inp.mix_share, cal).det
    return agg, det, cal


@pytest.fixture
def perturbed(base):
    """§13: SKU1 2025-W24 demand and backlog +12 → F1/2025-06 delta −12 for both."""
    agg, det, cal = base
    det = det.copy()
    m = (det.sku == "SKU1") & (det.week == "2025-W24")
    det.loc[m, "demand"] += 12
    det.loc[m, "backlog"] += 12
    return agg, det, cal


def val(det, sku, week, col="demand", period="2025-06"):
    m = (det.sku == sku) & (det.week == week) & (det.period == period)
    assert m.sum() == 1
    return float(det.loc[m, col].iloc[0])


def test_levels_baseline_all_ok(base):
    agg, det, cal = base
    log = reconcile_levels(agg, det, calendar=cal)
    assert log["summary"]["rows"] == 24 and log["summary"]["tol_violations"] == 0
    assert log["summary"]["max_abs_delta"] == {"demand": 0, "supply": 0, "backlog": 0}
    assert log["deltas"]["ok"].all()


def test_levels_detect_perturbation_and_boundary(perturbed):
    agg, det, cal = perturbed
    log = reconcile_levels(agg, det, calendar=cal, cutover_date="2025-06-15")
    d = log["deltas"].set_index(["family", "period"]).loc[("F1", "2025-06")]
    assert (d["delta_demand"], d["delta_backlog"], d["delta_supply"]) == (12, 12, 0)
    assert d["rel_demand"] == pytest.approx(12 / 192, abs=1e-6)
    assert not d["ok"] and d["boundary_period"]
    assert log["summary"]["tol_violations"] == 2  # failing metrics, not rows
    b = log["summary"]["boundary"]
    assert b["period"] == "2025-06" and b["violations"] == 1
    assert b["top"][0]["family"] == "F1"


def test_det_near_without_window_weights_1_to_12(perturbed):
    agg, det, cal = perturbed
    res = anchor_adjust(agg, det, cal, cutover_date="2025-06-15", anchor_policy="DET_near")
    out = res.det
    # rows sorted SKU1 W22, SKU2 W22, SKU1 W23, … ; weights 1..12 (Σ78); delta −12
    assert val(out, "SKU1", "2025-W22") == pytest.approx(4 - 0.153846)
    assert val(out, "SKU2", "2025-W22") == pytest.approx(2 - 0.307692)
    assert val(out, "SKU1", "2025-W24") == pytest.approx(37 - 12 * 5 / 78, abs=1e-6)
    assert val(out, "SKU2", "2025-W27") == pytest.approx(2 - 1.846154)
    june = out[(out.family == "F1") & (out.period == "2025-06")]
    assert june["demand"].sum() == pytest.approx(180)
    # Q19: supply_plan = supply, backlog = max(0, demand − supply) on adjusted rows
    assert (june["supply_plan"] == june["supply"]).all()
    assert val(out, "SKU1", "2025-W24", "backlog") == pytest.approx(37 - 12 * 5 / 78 - 25, abs=1e-6)
    assert res.summary["groups_adjusted"] == 1
    log = reconcile_levels(agg, out, calendar=cal)
    assert log["deltas"].set_index(["family", "period"]).loc[("F1", "2025-06"), "ok_demand"]


def test_windowed_policies_clamp_at_zero_q19(perturbed):
    agg, det, cal = perturbed
    # 7-day window → one weighted row. DET_near: the last sorted row (SKU2 W27, demand 2) takes
    # all of −12; the reference writes −10, Planning Hub clamps at 0 (Q19).
    near = anchor_adjust(
        agg, det, cal, cutover_date="2025-06-15", anchor_policy="DET_near", recon_window_days=7
    ).det
    assert val(near, "SKU2", "2025-W27") == 0
    assert val(near, "SKU2", "2025-W27", "backlog") == 0
    assert val(near, "SKU1", "2025-W24") == 37  # untouched
    far = anchor_adjust(
        agg, det, cal, cutover_date="2025-06-15", anchor_policy="AGG_far", recon_window_days=7
    ).det
    assert val(far, "SKU1", "2025-W22") == 0  # 4 − 12 → clamped
    assert val(far, "SKU2", "2025-W27") == 2


def test_blend_centred_on_cutover_week(perturbed):
    agg, det, cal = perturbed
    out = anchor_adjust(agg, det, cal, cutover_date="2025-06-15", anchor_policy="blend").det
    # weights 8,9,10,11,12,11,10,9,8,7,6,5 (Σ106), centre = SKU1 W24
    assert val(out, "SKU1", "2025-W24") == pytest.approx(37 - 12 * 12 / 106, abs=1e-6)
    assert val(out, "SKU1", "2025-W22") == pytest.approx(4 - 12 * 8 / 106, abs=1e-6)
    assert anchor_weights(12, "blend", None, cpos=4).tolist() == [
        8,
        9,
        10,
        11,
        12,
        11,
        10,
        9,
        8,
        7,
        6,
        5,
    ]
    assert anchor_weights(5, "blend", 21, cpos=2).tolist() == [0, 1, 2, 1, 0]
    assert anchor_weights(4, "AGG_far", None).tolist() == [4, 3, 2, 1]
    assert anchor_weights(4, "DET_near", 14).tolist() == [0, 0, 1, 2]


def test_spread_delta_limits_and_residual():
    add, r = spread_delta(-6.0, [1.0, 1, 1], [10.0, 10, 10], 0.5)
    assert add.tolist() == [-2, -2, -2] and r == 0
    add, r = spread_delta(-6.0, [1.0, 0, 0], [10.0, 10, 10], 0.5)
    # pass 1: −6 clipped to −5; pass 2: −1 shared by headroom 0, 5, 5
    assert add.tolist() == [-5, -0.5, -0.5] and r == 0
    add, r = spread_delta(-6.0, [1.0, 1], [2.0, 2], 0.5)
    assert add.tolist() == [-1, -1] and r == pytest.approx(-4)


def test_residual_carryover_next_logs_requested_and_applied(perturbed):
    agg, det, cal = perturbed
    res = anchor_adjust(
        agg,
        det,
        cal,
        cutover_date="2025-06-15",
        anchor_policy="DET_near",
        max_adjust_ratio=0.01,
        carryover_mode="next",
    )
    assert len(res.carryover) == 1
    c = res.carryover[0]
    assert (c["family"], c["from_period"], c["to_period"]) == ("F1", "2025-06", "2025-07")
    assert c["metrics"]["demand"] == pytest.approx(-(12 - 1.92), abs=1e-6)
    assert c["metrics"]["supply"] == 0
    # July rows are limited to 1 % of their values as well: only −1.9 of −10.08 applies (Q20)
    assert c["applied"]["demand"] == pytest.approx(-1.9, abs=1e-6)
    july = res.det[(res.det.family == "F1") & (res.det.period == "2025-07")]
    assert july["demand"].sum() == pytest.approx(190 - 1.9)


@pytest.mark.parametrize(("policy", "expected"), [("DET_near", "2025-07"), ("AGG_far", "2025-05")])
def test_auto_carryover_ties_pick_by_policy(perturbed, policy, expected):
    agg, det, cal = perturbed
    res = anchor_adjust(
        agg,
        det,
        cal,
        cutover_date="2025-06-15",
        anchor_policy=policy,
        max_adjust_ratio=0.01,
        carryover_mode="auto",
    )
    assert res.carryover[0]["to_period"] == expected


def test_both_carryover_splits(perturbed):
    agg, det, cal = perturbed
    res = anchor_adjust(
        agg,
        det,
        cal,
        cutover_date="2025-06-15",
        anchor_policy="DET_near",
        max_adjust_ratio=0.01,
        carryover_mode="both",
        carryover_split=0.75,
    )
    req = {c["to_period"]: c["metrics"]["demand"] for c in res.carryover}
    assert req["2025-07"] == pytest.approx(-10.08 * 0.75, abs=1e-6)
    assert req["2025-05"] == pytest.approx(-10.08 * 0.25, abs=1e-6)


def test_empty_det_is_returned_unchanged(base):
    agg, det, cal = base
    res = anchor_adjust(agg, det.iloc[0:0], cal, cutover_date="2025-06-15")
    assert len(res.det) == 0

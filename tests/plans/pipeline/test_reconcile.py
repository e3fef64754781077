"""Spec §8 reconcile: capacity pass, DET_near (§8.4), AGG_far / blend (§8.5, Q15), Q14, Q17."""

import numpy as np
import pandas as pd
import pytest

from plans.pipeline import PlanParams, run
from plans.pipeline.calendar import PlanCalendar
from plans.pipeline.reconcile import blend_share_next, capacity_pass, reconcile

from .helpers import det_frame, frame, mrp_row
from .sample import load_sample_inputs, tight_capacity

CAL2 = PlanCalendar(None, fallback_weeks=2)
WEEKS = ["2025-01-W1", "2025-01-W2", "2025-02-W1", "2025-02-W2", "2025-03-W1", "2025-03-W2"]
PERIODS = ["2025-01", "2025-01", "2025-02", "2025-02", "2025-03", "2025-03"]


def test_capacity_pass_banks_slack_and_spills_forward():
    p = capacity_pass(np.array([5.0, 20, 10, 1]), np.array([10.0, 10, 10, 10]))
    assert p.adj.tolist() == [5, 15, 10, 6]
    assert p.spill_out.tolist() == [0, 5, 5, 0]
    assert p.slack_out.tolist() == [5, 0, 0, 4]
    assert p.slack_in.tolist() == [0, 5, 0, 0] and p.spill_in.tolist() == [0, 0, 5, 5]
    p = capacity_pass(np.array([30.0, 5, 0, 5]), np.array([10.0, 10, 10, 10]))
    # W3 has no FG load: the spill passes through (the reference would grant it capacity no
    # release can use, losing the units) and W3's capacity is banked
    assert p.adj.tolist() == [10, 10, 0, 20]
    assert p.spill_out.tolist() == [20, 15, 15, 0]
    assert p.end_spill == 0


def _case(releases, caps=(20, 20, 20), lt=0, extra_rows=()):
    det = det_frame([("F", p, "A", w, 1) for p, w in zip(PERIODS, WEEKS, strict=True)])
    mrp = pd.DataFrame(
        [mrp_row("A", w, r, lt=lt) for w, r in zip(WEEKS, releases, strict=True)] + list(extra_rows)
    )
    cap = frame(
        "capacity",
        [("R", p, c) for p, c in zip(["2025-01", "2025-02", "2025-03"], caps, strict=True)],
    )
    return det, mrp, cap


def _run(policy, releases=(5, 5, 20, 10, 5, 5), **kw):
    det, mrp, cap = _case(releases)
    return reconcile(
        det, mrp, cap, ["A"], CAL2, round_mode="none", cutover_date="2025-02-15",
        anchor_policy=policy, **kw
    )  # fmt: skip


def adjusted(res):
    return res.weekly_summary["adjusted_load"].tolist()


def test_policies_on_a_cutover_case():
    # capacity 10 per week; pre (Jan) load 5,5, boundary month (Feb) 20,10, post (Mar) 5,5
    base = _run(None)
    det_near = _run("DET_near")
    # DET_near: pre banks 10 slack, Feb week 1 uses it → no spill anywhere (= default pass)
    assert adjusted(det_near) == adjusted(base) == [5, 5, 20, 10, 5, 5]
    assert det_near.weekly_summary["zone"].tolist() == ["pre"] * 2 + ["at"] * 2 + ["post"] * 2
    # AGG_far: Feb runs without pre's slack → spill 10 in Feb W1; the pre segment is re-run
    # with that spill and pre-builds it (front-loaded) → Jan 10,10, Feb 10,10, Mar 5,5
    agg_far = _run("AGG_far")
    assert adjusted(agg_far) == [10, 10, 10, 10, 5, 5]
    rel = agg_far.plan_final["planned_order_release_adj"].tolist()
    assert rel == [10, 10, 10, 10, 5, 5]  # releases scaled by adj/load per week (§8.6)
    # blend: Feb spills [10, 0]; W = max(1, 2//2) = 1 → w_prev [1,0], w_next [0,1] →
    # share_next = 0/10 → clipped to 0.05: 9.5 pre-built, 0.5 into March
    blend = _run("blend")
    assert blend.blend_share_next == pytest.approx(0.05)
    assert adjusted(blend) == pytest.approx([10, 9.5, 10, 10, 5.5, 5])
    fixed = _run("blend", blend_split_next=0.5)
    assert adjusted(fixed) == pytest.approx([10, 5, 10, 10, 10, 5])
    for res in (det_near, agg_far, blend, fixed):
        assert sum(adjusted(res)) == pytest.approx(50)  # load conserved, nothing unserved
        assert res.unserved_spill == 0
    assert adjusted(agg_far) != adjusted(det_near)
    assert adjusted(blend) != adjusted(det_near)


def test_det_near_boundary_spill_goes_to_first_post_week():
    # Feb needs 25 + 25 with 10/week and nothing banked → 15 + 15 spill → March week 1
    res = _run("DET_near", releases=(10, 10, 25, 25, 1, 1), recon_window_days=7)
    ws = res.weekly_summary.set_index("week")
    assert ws.loc["2025-02-W1", "spill_out"] == 15 and ws.loc["2025-02-W2", "spill_in"] == 0
    assert ws.loc["2025-03-W1", "spill_in"] == 30
    assert ws.loc["2025-03-W2", "spill_out"] == 12  # 31 − 10 → 21 → 21 + 1 − 10
    assert res.unserved_spill == 12
    assert (
        ws.loc["2025-02-W1", "boundary_index"] == 1 and ws.loc["2025-02-W2", "boundary_size"] == 2
    )
    assert bool(ws.loc["2025-02-W1", "in_window_pre"]) and bool(
        ws.loc["2025-02-W2", "in_window_post"]
    )
    assert res.boundary_summary["period"] == "2025-02" and res.boundary_summary["weeks"] == 2


def test_blend_share_weights():
    # spill late in the month → mostly forward
    assert blend_share_next(np.array([0.0, 0, 0, 10]), 14) == pytest.approx(0.95)
    assert blend_share_next(np.array([3.0, 0, 0, 3]), 14) == pytest.approx(0.5)
    assert blend_share_next(np.array([0.0, 0]), None) == 0.5
    # W=2 (14 days): weights prev [2,1,0,0,0], next [0,0,0,1,2]
    s = blend_share_next(np.array([1.0, 1, 1, 1, 1]), 14)
    assert s == pytest.approx(0.5)
    s = blend_share_next(np.array([4.0, 0, 0, 1, 0]), 14)
    assert s == pytest.approx(1 / 9)


def test_receipts_shift_by_lead_time_and_non_fg_keep_mrp_receipts_q17():
    det, mrp, cap = _case(
        (5, 0, 0, 0, 0, 7), lt=1, extra_rows=[mrp_row("C", "2025-01-W2", 4, receipt=9)]
    )
    res = reconcile(det, mrp, cap, ["A"], CAL2)
    a = res.plan_final[res.plan_final["item"] == "A"]
    assert a["planned_order_receipt_adj"].tolist() == [0, 5, 0, 0, 0, 7]  # last week capped
    c = res.plan_final[res.plan_final["item"] == "C"].iloc[0]
    assert (c["planned_order_release_adj"], c["planned_order_receipt_adj"]) == (4, 9)
    assert res.weekly_summary["original_load"].tolist() == [5, 0, 0, 0, 0, 7]  # C not counted


def test_unserved_spill_reported():
    res = _run(None, releases=(30, 30, 0, 0, 0, 40))
    # 10/week: W1 10 (spill 20), W2 10 (spill 40), W3–W5 no load (bank 30), W6 80 vs 40
    assert res.unserved_spill == pytest.approx(40)
    assert any(w["code"] == "unserved_spill" for w in res.warnings)


def test_sample_reconcile_ample_and_tight():
    base = run(load_sample_inputs())
    w1 = base.weekly_summary.iloc[0]
    assert w1["week"] == "2025-W01"
    assert w1["capacity"] == pytest.approx(500 * 5 / 31, abs=1e-6)
    assert w1["original_load"] == 35 and w1["adjusted_load"] == 35
    assert w1["slack_carry_out"] == pytest.approx(45.645161)
    w5 = base.weekly_summary.set_index("week").loc["2025-W05"]
    assert w5["capacity"] == pytest.approx(500 * 5 / 31 + 500 * 2 / 28, abs=1e-6)  # 116.359
    s3 = base.plan_final[base.plan_final["item"] == "SKU3"].set_index("week")
    assert s3.loc["2025-W01", "planned_order_receipt_adj"] == 0  # §8.6 / Q16
    assert s3.loc["2025-W02", "planned_order_receipt_adj"] == 35
    assert base.unserved_spill == 0

    tight = run(tight_capacity(load_sample_inputs()))
    ws = tight.weekly_summary.set_index("week")
    assert ws.loc["2025-W01", "capacity"] == pytest.approx(200 * 5 / 31, abs=1e-6)
    assert ws.loc["2025-W01", "spill_out"] == pytest.approx(35 - 200 * 5 / 31, abs=1e-6)
    s3 = tight.plan_final[tight.plan_final["item"] == "SKU3"].set_index("week")
    assert s3.loc["2025-W01", "planned_order_release_adj"] == 32  # 35 → 32.258 → 32
    assert s3.loc["2025-W02", "planned_order_release_adj"] == 18  # 15 + 2.742 → 18
    rep = tight.report[tight.report["type"] == "capacity"].set_index("week")
    assert rep.loc["2025-W01", "utilization"] == pytest.approx(32 / (200 * 5 / 31), abs=1e-6)
    assert tight.unserved_spill > 0
    assert tight.kpi("unserved_spill") == tight.unserved_spill


def test_sample_tight_cutover_policies_differ():
    inp = tight_capacity(load_sample_inputs())
    out = {}
    for pol in ("DET_near", "AGG_far", "blend"):
        params = PlanParams(cutover_date="2025-03-15", recon_window_days=14, anchor_policy=pol)
        out[pol] = run(inp, params)
    ws = out["DET_near"].weekly_summary.set_index("week")
    at = ws[ws["zone"] == "at"]
    assert at.index.tolist() == ["2025-W09", "2025-W10", "2025-W11", "2025-W12", "2025-W13"]
    assert at["in_window_pre"].tolist() == [True, True, False, False, False]
    assert at["in_window_post"].tolist() == [False, False, False, True, True]
    # all at-week spills enter W14 together (§13: 119.84)
    assert ws.loc["2025-W14", "spill_in"] == pytest.approx(at["spill_out"].sum(), abs=1e-5)
    assert ws.loc["2025-W14", "spill_in"] == pytest.approx(119.84, abs=0.01)
    pre_adj = {
        k: r.weekly_summary.loc[r.weekly_summary["zone"] == "pre", "adjusted_load"].tolist()
        for k, r in out.items()
    }
    assert pre_adj["AGG_far"] != pre_adj["DET_near"]
    assert pre_adj["blend"] != pre_adj["DET_near"]


def test_cutover_that_cannot_be_placed_is_ignored_with_warning():
    det = det_frame([("F", "M1", "A", "M1-W1", 1), ("F", "M2", "A", "M2-W1", 1)])
    mrp = pd.DataFrame([mrp_row("A", "M1-W1", 5), mrp_row("A", "M2-W1", 5)])
    res = reconcile(
        det, mrp, frame("capacity", []), ["A"], PlanCalendar(None), cutover_date="2025-02-01",
        anchor_policy="DET_near",
    )  # fmt: skip
    assert res.weekly_summary["zone"].isna().all() and res.boundary_summary is None
    assert [w["code"] for w in res.warnings] == ["cutover_not_placeable", "unserved_spill"]

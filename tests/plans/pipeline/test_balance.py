"""Balanced PSI measures and plan_balance_check (issue 14 §2)."""

import numpy as np
import pandas as pd
import pytest

from plans.pipeline import run
from plans.pipeline.balance import plan_balance_check, psi_flow, with_aggregate_flow
from plans.pipeline.calendar import PlanCalendar

from .helpers import frame
from .sample import load_sample_inputs


def det(rows):
    """DET rows (family, period, sku, week, demand, supply)."""
    return pd.DataFrame(rows, columns=["family", "period", "sku", "week", "demand", "supply"])


@pytest.fixture
def cal():
    return PlanCalendar(None, fallback_weeks=4)


def test_stock_serves_demand_before_backlog(cal):
    d = det([("F", "M1", "S", "M1-W1", 10.0, 0.0), ("F", "M1", "S", "M1-W2", 50.0, 5.0)])
    flow = psi_flow(d, None, frame("inventory", [("WH", "S", 50)]), cal)
    # SKU1 2025-W01 of the issue: on hand 50, demand 10, no receipts → shipped from stock
    assert flow.iloc[0][["shipments", "on_hand_close", "backlog_close"]].tolist() == [10, 40, 0]
    # week 2: 40 + 5 available for 50 → 45 shipped, 5 backordered
    assert flow.iloc[1][
        ["on_hand_open", "shipments", "on_hand_close", "backlog_close"]
    ].tolist() == [
        40,
        45,
        0,
        5,
    ]


def test_backlog_carries_and_is_served_by_later_receipts(cal):
    d = det([("F", "M1", "S", "M1-W1", 8.0, 0.0), ("F", "M1", "S", "M1-W2", 2.0, 20.0)])
    flow = psi_flow(d, None, None, cal)
    assert flow["backlog_close"].tolist() == [8, 0]
    assert flow["shipments"].tolist() == [0, 10]
    assert flow["on_hand_close"].tolist() == [0, 10]


def test_rows_are_walked_in_calendar_order_with_open_pos_on_the_first_row(cal):
    # input order reversed; week 2 has an open PO of 7 in the MRP table
    d = det([("F", "M1", "S", "M1-W2", 4.0, 0.0), ("F", "M1", "S", "M1-W1", 3.0, 0.0)])
    mrp = pd.DataFrame(
        {"item": ["S", "S"], "week": ["M1-W1", "M1-W2"], "scheduled_receipts": [0.0, 7.0]}
    )
    flow = psi_flow(d, mrp, None, cal)
    assert flow["receipts"].tolist() == [7, 0]
    assert flow["backlog_open"].tolist() == [3, 0]  # W2 opens with W1's backlog
    assert flow["backlog_close"].tolist() == [0, 3]
    assert flow["on_hand_close"].tolist() == [0, 0]


def test_aggregate_on_hand_is_the_sum_of_its_skus(cal):
    d = det(
        [
            ("F", "M1", "A", "M1-W1", 1.0, 0.0),
            ("F", "M1", "B", "M1-W1", 2.0, 0.0),
            ("G", "M1", "C", "M1-W1", 0.0, 4.0),
        ]
    )
    inv = frame("inventory", [("WH", "A", 5), ("WH", "B", 1)])
    rows = pd.concat([d, psi_flow(d, None, inv, cal)], axis=1)
    agg = pd.DataFrame({"family": ["F", "G"], "period": ["M1", "M1"], "demand": [3.0, 0.0]})
    out = with_aggregate_flow(agg, rows)
    assert out["on_hand_open"].tolist() == [6, 0]
    assert out["on_hand_close"].tolist() == [4 + 0, 4]
    assert out["backlog_close"].tolist() == [1, 0]
    assert plan_balance_check(rows, out)["violations"] == 0


def test_check_reports_a_broken_identity(cal):
    d = det([("F", "M1", "S", "M1-W1", 10.0, 0.0)])
    rows = pd.concat([d, psi_flow(d, None, frame("inventory", [("WH", "S", 50)]), cal)], axis=1)
    rows.loc[0, "on_hand_close"] = 39.0
    report = plan_balance_check(rows, rows.iloc[0:0])
    assert report["violations"] == 1 and report["rules"]["on_hand"] == 1
    assert report["examples"][0] | {"expected": 40.0} == {
        "level": "det",
        "rule": "on_hand",
        "item": "S",
        "bucket": "M1-W1",
        "expected": 40.0,
        "actual": 39.0,
    }


def test_sample_plan_balances_and_publishes_on_hand():
    res = run(load_sample_inputs())
    assert res.balance["violations"] == 0
    agg = res.series_tables["aggregate"]
    assert agg["on_hand_end"].sum() > 0  # aggregate on hand was 0.0 everywhere before
    det_level = res.series_tables["det"]
    np.testing.assert_allclose(
        det_level["on_hand_end"],
        det_level["on_hand_start"] + det_level["receipts"] - det_level["shipments"],
        atol=1e-6,
    )
    assert res.kpi("backlog_total") > 0 and res.kpi("backlog_days") > 0
    assert res.kpi("demand_total") == 3780 and res.kpi("supply_total") == 3710


def test_a_sku_shared_by_two_families_balances_per_family(cal):
    d = det([("F1", "M1", "A", "M1-W1", 30.0, 0.0), ("F2", "M1", "A", "M1-W1", 10.0, 0.0)])
    rows = pd.concat([d, psi_flow(d, None, frame("inventory", [("WH", "A", 20)]), cal)], axis=1)
    # on hand split 3:1 by demand: F1 ships 15 of 30, F2 ships 5 of 10
    assert rows["shipments"].tolist() == [15, 5]
    assert rows["backlog_close"].tolist() == [15, 5]
    agg = pd.DataFrame({"family": ["F1", "F2"], "period": ["M1", "M1"], "demand": [30.0, 10.0]})
    assert plan_balance_check(rows, with_aggregate_flow(agg, rows))["violations"] == 0

"""Spec §12: receipts rewrite (Q22 split, Q23 null check), plan_series levels and KPIs."""

import numpy as np
import pandas as pd
import pytest

from plans.pipeline import SERIES_COLUMNS, run
from plans.pipeline.calendar import PlanCalendar
from plans.pipeline.series import build_kpis, receipts_rewrite
from plans.pipeline.series_tables import LEVELS, series_rows, table_mrp

from .helpers import det_frame, mrp_row
from .sample import load_sample_inputs


@pytest.fixture(scope="module")
def result():
    return run(load_sample_inputs())


def test_straddling_week_receipt_is_split_by_period_weights_q22(result):
    det = result.det_rewritten
    rows = det[(det.sku == "SKU1") & (det.week == "2025-W05")].set_index("period")
    pf = result.plan_final.set_index(["item", "week"])
    receipt = pf.loc[("SKU1", "2025-W05"), "planned_order_receipt_adj"]
    assert receipt == 20
    # W05 has weight 5 in 2025-01 and 2 in 2025-02: 14.29 / 5.71 → whole pieces 14 / 6
    assert rows.loc["2025-01", "supply"] == 14 and rows.loc["2025-02", "supply"] == 6
    assert rows["supply"].sum() == receipt
    assert (det["supply_plan"] == det["supply"]).all()
    assert (det["backlog"] == np.maximum(0, det["demand"] - det["supply"])).all()


def test_no_double_counting_and_aggregate_sums(result):
    fg = result.plan_final[result.plan_final["item"].isin(result.fg_items)]
    assert result.det_rewritten["supply"].sum() == fg["planned_order_receipt_adj"].sum() == 3710
    assert result.kpi("supply_total") == 3710  # reference (double counting, Q22): 4330
    assert result.kpi("demand_total") == 3780
    agg = result.aggregate_rewritten.set_index(["family", "period"])
    det_sum = result.det_rewritten.groupby(["family", "period"])[
        ["demand", "supply", "backlog"]
    ].sum()
    # DET keys are categorical inside the pipeline (issue 9 §4); the values must match
    pd.testing.assert_frame_equal(
        agg[["demand", "supply", "backlog"]],
        det_sum.loc[agg.index],
        check_index_type=False,
        check_categorical=False,
    )


def test_kpis_from_rewritten_aggregate(result):
    agg = result.aggregate_rewritten
    jan = agg[agg.period == "2025-01"]
    assert result.kpi("fill_rate", "month", "2025-01") == pytest.approx(
        min(1, jan["supply"].sum() / jan["demand"].sum()), abs=1e-6
    )
    assert result.kpi("backlog_total") == agg["backlog"].sum()
    assert result.kpi("fill_rate") == pytest.approx(min(1, 3710 / 3780), abs=1e-6)
    months = [k for k in result.kpis if k["metric"] == "fill_rate" and k["bucket_type"] == "month"]
    assert [k["bucket_key"] for k in months] == [f"2025-{m:02d}" for m in range(1, 13)]
    metrics = {k["metric"] for k in result.kpis}
    assert metrics == {
        "fill_rate",
        "backlog_total",
        "demand_total",
        "supply_total",
        "utilization_pct",
        "backlog_days",
        "unserved_spill",
        "balance_violations",
    }
    assert all(
        set(k) == {"metric", "bucket_type", "bucket_key", "value", "unit"} for k in result.kpis
    )


def test_kpi_formulas_by_hand():
    agg = pd.DataFrame(
        {"family": ["A", "A"], "period": ["P1", "P2"], "demand": [10.0, 0], "supply": [12.0, 0],
         "backlog": [1.0, 0], "capacity_total": [0.0, 0]}
    )  # fmt: skip
    ws = pd.DataFrame(
        {"week": ["W1", "W2"], "capacity": [10.0, 10], "original_load": [14.0, 0],
         "adjusted_load": [10.0, 4], "spill_out": [4.0, 0]}
    )  # fmt: skip
    k = {
        (x["metric"], x["bucket_key"]): (x["value"], x["unit"])
        for x in build_kpis(agg, ws, unserved_spill=2.5)
    }
    assert k[("fill_rate", "P1")] == (1.0, "ratio")  # clamped
    assert k[("fill_rate", "P2")] == (1.0, "ratio")  # no demand
    assert k[("utilization_pct", "total")] == (70.0, "pct")
    # backlog 1 / (demand 10 / (2 weeks · 7 days)) = 1.4 days (issue 14: backlog, not spill)
    assert k[("backlog_days", "total")] == (1.4, "days")
    assert k[("unserved_spill", "total")] == (2.5, "units")


def test_series_levels_and_columns(result):
    series = dict(result.series)
    assert set(series) == {"aggregate", "det", "mrp", "mrp_final", "weekly_summary"}
    sizes = {k: len(v) for k, v in series.items()}
    assert sizes == {
        "aggregate": 24,
        "det": 159,
        "mrp": 212,
        "mrp_final": 212,
        "weekly_summary": 53,
    }
    for level, df in series.items():
        assert list(df.columns) == SERIES_COLUMNS
        assert (df["level"] == level).all() and (df["location_key"] == "global").all()
        assert all(isinstance(e, dict) for e in df["extra"])
    assert set(series["aggregate"]["time_bucket_type"]) == {"month"}
    det = series["det"].set_index(["time_bucket_key", "item_key"])
    w05 = det.loc[("2025-W05", "SKU1")]
    assert w05["supply"] == 20 and w05["extra"]["periods"] == ["2025-01", "2025-02"]
    mrp = result.mrp.set_index(["item", "week"])
    assert w05["inventory_close"] == mrp.loc[("SKU1", "2025-W05"), "on_hand_end"]
    ws = series["weekly_summary"].iloc[0]
    assert ws["item_key"] == "summary" and ws["capacity_used"] == pytest.approx(80.645161)
    assert set(ws["extra"]) == {
        "capacity",
        "spill_in",
        "spill_out",
        "slack_carry_out",
        "carried_slack_in",
        "zone",
    }


def test_mrp_final_uses_null_check_q23():
    pf = pd.DataFrame([mrp_row("A", "W1", 5, receipt=7), mrp_row("A", "W2", 5, receipt=3)])
    pf["planned_order_release_adj"] = [5.0, 5.0]
    pf["planned_order_receipt_adj"] = [0.0, np.nan]
    s = series_rows("mrp_final", table_mrp(pf, final=True))
    assert s["supply"].tolist() == [0.0, 3.0]  # legitimate 0 stays 0; null falls back


def test_tables_keep_only_their_own_columns_sorted_by_item_then_bucket(result):
    for level, table in result.series_tables.items():
        schema = LEVELS[level]
        assert tuple(table.columns) == schema.columns
        keys = table[schema.sort_keys].astype(str).agg("|".join, axis=1).tolist()
        assert keys == sorted(keys), level
        # nothing is stored twice: the row shape is derived, not kept
        assert "extra" not in table.columns and "inventory_open" not in table.columns


def test_row_view_rebuilds_every_measure_from_the_table(result):
    mrp = result.series_tables["mrp"]
    rows = result.series["mrp"]
    assert rows["demand"].tolist() == mrp["gross_req"].round(6).tolist()
    assert rows["backlog"].tolist() == mrp["net_req"].round(6).tolist()
    first = rows.iloc[0]["extra"]
    assert first["lot"] == mrp.iloc[0]["lot"] and first["on_hand_end"] == mrp.iloc[0]["on_hand_end"]
    agg = result.series["aggregate"].iloc[0]
    flow = {m: agg["extra"][m] for m in ("receipts", "shipments", "backlog_open", "backlog_close")}
    assert agg["extra"] == {"capacity_total": agg["capacity_used"], "note": "aggregate", **flow}
    table = result.series_tables["aggregate"].iloc[0]
    assert flow["shipments"] == table["shipments"] and agg["inventory_close"] == round(
        table["on_hand_end"], 6
    )


def test_rewrite_splits_shared_sku_by_family_demand_and_keeps_unplanned_supply():
    det = det_frame(
        [
            ("F", "P1", "S", "P1-W1", 30),
            ("G", "P1", "S", "P1-W1", 10),
            ("G", "P1", "T", "P1-W1", 5, 4),
        ]
    )
    agg = pd.DataFrame(
        {"family": ["F", "G"], "period": ["P1", "P1"], "demand": [30.0, 15], "supply": [30.0, 14],
         "backlog": [0.0, 1], "capacity_total": [0.0, 0]}
    )  # fmt: skip
    pf = pd.DataFrame([mrp_row("S", "P1-W1", 0, receipt=20)])
    pf["planned_order_release_adj"] = 0.0
    pf["planned_order_receipt_adj"] = 20.0
    agg_rw, det_rw = receipts_rewrite(agg, det, pf, PlanCalendar(None))
    assert det_rw["supply"].tolist() == [15, 5, 4]  # 20 split 3:1; T has no MRP row → kept
    assert det_rw["backlog"].tolist() == [15, 5, 1]
    assert agg_rw.set_index("family").loc["G", ["demand", "supply", "backlog"]].tolist() == [
        15,
        9,
        6,
    ]

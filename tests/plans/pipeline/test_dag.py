"""End-to-end pipeline run (spec §1, §13) and the package contract."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from plans.pipeline import PipelineInputs, PlanParams, run

from .helpers import inputs
from .sample import load_sample_inputs

REPO = Path(__file__).resolve().parents[3]


def test_importing_the_pipeline_does_not_import_django():
    code = (
        "import sys; import plans.pipeline, plans.pipeline.dag; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "assert not bad, bad"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_worked_example_end_to_end():
    res = run(load_sample_inputs())
    agg = res.aggregate.set_index(["family", "period"])
    assert tuple(agg.loc[("F1", "2025-01"), ["demand", "supply", "backlog"]]) == (100, 100, 0)
    assert res.kpi("demand_total") == 3780
    assert len(res.det) == 186 and len(res.mrp) == 212 and len(res.weekly_summary) == 53
    assert res.reconciliation["summary"]["tol_violations"] == 0
    assert res.warnings == []
    assert res.fg_items == ["SKU1", "SKU2", "SKU3"]
    assert list(res.plan_final.columns)[-2:] == [
        "planned_order_release_adj",
        "planned_order_receipt_adj",
    ]
    rep = res.report
    assert list(rep["type"].unique()) == ["capacity", "service"]
    svc = rep[rep["type"] == "service"].set_index("week")
    # W01 FG demand 10 + 7 + 13 = 30 (§13 reference: 33 with its allocation), no receipts yet
    assert (svc.loc["2025-W01", "demand"], svc.loc["2025-W01", "fill_rate"]) == (30, 0)


def test_progress_callback_and_timings():
    calls = []
    res = run(load_sample_inputs(), progress=lambda step, pct: calls.append((step, pct)))
    steps = [s for s, _ in calls]
    assert steps == [
        "prepare",
        "aggregate",
        "allocate",
        "mrp",
        "reconcile",
        "reconcile_levels",
        "report",
        "series",
        "done",
    ]
    pcts = [p for _, p in calls]
    assert pcts == sorted(pcts) and pcts[0] == 0 and pcts[-1] == 100
    assert set(res.timings) == set(steps[:-1])


def test_artifacts_are_json_serialisable():
    params = PlanParams(
        cutover_date="2025-06-15", anchor_policy="blend", recon_window_days=14, apply_adjusted=True
    )
    res = run(load_sample_inputs(), params)
    arts = res.to_artifacts()
    assert set(arts) == {
        "aggregate.json",
        "sku_week.json",
        "mrp.json",
        "plan_final.json",
        "reconciliation_log.json",
        "balance_check.json",
        "sku_week_adjusted.json",
        "reconciliation_log_adjusted.json",
        "mrp_adjusted.json",
        "plan_final_adjusted.json",
    }
    text = json.dumps(arts, allow_nan=False)
    back = json.loads(text)
    assert back["aggregate.json"]["schema_version"] == "agg-1.0"
    assert len(back["sku_week.json"]["rows"]) == 186
    assert back["plan_final.json"]["boundary_summary"]["period"] == "2025-06"
    assert back["reconciliation_log.json"]["schema_version"] == "recon-aggdet-1.0"
    assert back["balance_check.json"]["violations"] == 0
    assert back["sku_week_adjusted.json"]["cutover"]["anchor_policy"] == "blend"
    assert "det_adjusted" in res.series


def test_planning_params_drive_the_run_q2():
    inp = load_sample_inputs()
    params = PlanParams.from_planning_params(
        inp.calendar["planning_params"], cutover_date="2025-03-15"
    )
    res = run(inp, params)
    assert res.boundary_summary["anchor_policy"] == "DET_near"
    assert res.boundary_summary["window_days"] == 14
    assert res.det_adjusted is not None and res.mrp_adjusted is None
    assert res.reconciliation_adjusted["summary"]["tol_violations"] == 0


def test_empty_inputs_run():
    res = run(PipelineInputs())
    assert res.aggregate.empty and res.det.empty and res.mrp.empty
    assert res.kpi("fill_rate") == 1.0 and res.kpi("demand_total") == 0
    assert all(len(v) == 0 for v in res.series.values())
    json.dumps(res.to_artifacts(), allow_nan=False)


def test_fallback_weeks_without_calendar_and_missing_mix():
    res = run(
        inputs(
            family_demand=[("F", "2025-01", 50), ("G", "2025-01", 10)],
            capacity=[("R", "2025-01", 100)],
            mix_share=[("F", "A", 1)],
        )
    )
    assert res.det[res.det.sku == "A"]["week"].tolist() == [f"2025-01-W{i}" for i in range(1, 6)]
    assert [w["code"] for w in res.warnings] == ["family_without_mix"]
    assert res.fg_items == ["A"]
    assert res.weekly_summary["original_load"].sum() == 50  # pseudo-SKU G is not FG


def test_missing_column_is_rejected():
    bad = PipelineInputs(family_demand=pd.DataFrame({"family_code": ["F"], "period": ["P"]}))
    with pytest.raises(ValueError, match="family_demand is missing column"):
        run(bad)


def test_tolerant_parsing_and_negative_values():
    res = run(
        inputs(
            family_demand=[("F", "2025-01", "12"), ("F", "2025-02", "abc"), ("", "2025-01", 5)],
            capacity=[("R", "2025-01", -3)],
            mix_share=[("F", "A", 1)],
        )
    )
    agg = res.aggregate.set_index("period")
    assert agg.loc["2025-01", "demand"] == 12 and agg.loc["2025-02", "demand"] == 0
    assert agg.loc["2025-01", "supply"] == 0  # capacity −3 → 0
    codes = [w["code"] for w in res.warnings]
    assert "rows_without_key" in codes and "negative_values_clipped" in codes

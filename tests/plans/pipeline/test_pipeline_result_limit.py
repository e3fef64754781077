"""to_artifacts leaves out oversized tables without serialising them."""

from plans.pipeline import PlanParams, run

from .sample import load_sample_inputs


def test_tables_beyond_the_limit_are_counted_not_serialised():
    result = run(load_sample_inputs(), PlanParams())
    full = result.to_artifacts()
    limited = result.to_artifacts(max_rows=100)
    assert len(full["mrp.json"]["rows"]) == 212
    assert limited["mrp.json"]["rows"] == [] and limited["mrp.json"]["rows_omitted"] == 212
    assert limited["aggregate.json"]["rows"] == full["aggregate.json"]["rows"]  # 24 ≤ 100
    assert "rows_omitted" not in limited["aggregate.json"]

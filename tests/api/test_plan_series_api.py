"""``GET /api/plans/{version}/series/`` on the columnar store (issue 9)."""

import pytest

from plans.selectors import plan_series_read
from plans.services import plan_create_and_execute

pytestmark = pytest.mark.django_db


def test_api_series_for_one_item_and_query_count(
    ready_set, api_client_for, django_assert_max_num_queries
):
    plan = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    ).plan
    client = api_client_for("viewer")
    url = f"/api/plans/{plan.version_id}/series/"
    whole = plan_series_read(plan=plan, level="det").table
    sku = str(whole["sku"].iloc[0])
    with django_assert_max_num_queries(8):
        body = client.get(url, {"level": "det", "item": sku}).json()
    assert body["count"] == int((whole["sku"] == sku).sum())
    assert {r["item_key"] for r in body["results"]} == {sku}
    first = body["results"][0]
    assert set(first) == {
        "level", "time_bucket_type", "time_bucket_key", "item_key", "location_key", "demand",
        "supply", "backlog", "inventory_open", "inventory_close", "capacity_used", "spill_in",
        "spill_out", "boundary_zone", "extra",
    }  # fmt: skip
    assert first["spill_in"] is None and first["extra"]["family"]
    assert client.get(url, {"level": "bogus"}).status_code == 400
    detail = client.get(f"/api/plans/{plan.version_id}/").json()
    assert detail["series_sha256"] == plan.series_sha256 and set(detail["series_sha256"]) >= {
        "aggregate",
        "det",
    }
    # pages of 50 cost the same queries whatever the level's size
    with django_assert_max_num_queries(10):
        assert len(client.get(url, {"page": 2}).json()["results"]) == 50

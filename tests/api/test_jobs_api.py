"""/api/jobs/: every job kind in one shape, filters, flat query counts."""

import pytest

from planning_hub.jobs.services import job_create

from ..factories import RunFactory


@pytest.mark.django_db
def test_api_lists_every_kind_in_one_shape_with_flat_queries(
    api_client_for, django_assert_max_num_queries
):
    from input_sets.models import InputSetDiff

    from ..factories import InputSetFactory

    for _ in range(3):
        RunFactory()
    a, b = InputSetFactory(), InputSetFactory()
    diff = InputSetDiff.objects.create(
        input_set=a, content_hash=a.content_hash, against=b, against_content_hash="x"
    )
    diff.job = job_create(kind="diff", obj=diff, enqueue=False)
    diff.save()
    client = api_client_for("viewer")
    with django_assert_max_num_queries(12) as small:
        page = client.get("/api/jobs/").json()
    kinds = {row["kind"] for row in page["results"]}
    assert kinds == {"plan", "diff"} and page["count"] == 4
    by_kind = {row["kind"]: row for row in page["results"]}
    assert by_kind["plan"]["plan_version"] and by_kind["plan"]["run_id"]
    assert by_kind["diff"]["input_set_label"] == a.label and by_kind["diff"]["run_id"] is None
    assert set(by_kind["plan"]) >= {"id", "status", "progress", "current_step", "url", "trigger"}
    for _ in range(10):
        RunFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/api/jobs/").status_code == 200
    assert client.get("/api/jobs/?kind=diff").json()["count"] == 1

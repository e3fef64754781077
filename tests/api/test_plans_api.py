"""Plans, runs and jobs API behaviour."""

import io
import zipfile

import pytest

from plans.models import PlanVersion
from runs.models import Run

from ..factories import RunFactory

pytestmark = pytest.mark.django_db


def test_create_and_execute_returns_202_with_the_job_location(
    api_client_for, api_data, django_capture_on_commit_callbacks, q_sync
):
    client = api_client_for("planner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/plans/create_and_execute/",
            {"config_version_id": 1, "input_set_label": "demo"},
            format="json",
        )
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == f"/api/jobs/{body['job']['id']}/"
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded" and job["progress"] == 100
    plan = client.get(f"/api/plans/{body['plan_version']}/").json()
    assert plan["input_set_label"] == "demo" and plan["fill_rate"] is not None
    assert plan["kpis"]["demand_total"] == 11410


def test_sync_creation_series_kpis_export_delete(api_client_for, api_data):
    client = api_client_for("admin")
    created = client.post(
        "/api/plans/create_and_execute/?sync=true",
        {"config_version_id": 1, "input_set_label": "demo", "lt_unit": "week"},
        format="json",
    )
    assert created.status_code == 201, created.content
    version = created.json()["plan_version"]
    assert PlanVersion.objects.get(version_id=version).parameters["lt_unit"] == "week"

    series = client.get(
        f"/api/plans/{version}/series/?level=det&item=BL-500&bucket_from=2026-W05&bucket_to=2026-W08"
    ).json()
    assert series["count"] >= 4
    assert {r["item_key"] for r in series["results"]} == {"BL-500"}
    assert all("2026-W05" <= r["time_bucket_key"] <= "2026-W08" for r in series["results"])
    kpis = client.get(f"/api/plans/{version}/kpis/").json()
    assert {"fill_rate", "demand_total"} <= {k["metric"] for k in kpis}
    export = client.get(f"/api/plans/{version}/export/")
    assert "report.csv" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    assert client.delete(f"/api/plans/{version}/").status_code == 204
    assert not PlanVersion.objects.filter(version_id=version).exists()


@pytest.mark.parametrize(
    "body,code",
    [
        ({"input_set_label": "demo"}, "invalid"),  # label without config version (seed 000 P1 §1)
        ({"config_version_id": 1, "input_set_label": "draft1"}, "input_set_not_ready"),
        ({"config_version_id": 1, "input_set_label": "ghost"}, "input_set_not_found"),
        ({"config_version_id": 1, "input_set_label": "demo", "round_mode": "x"}, "invalid"),
    ],
)
def test_refused_plan_requests(api_client_for, api_data, body, code):
    response = api_client_for("planner").post("/api/plans/create_and_execute/", body, format="json")
    assert response.status_code in (400, 404)
    assert response.json()["code"] == code


def test_run_filters_totals_compare_and_query_counts(
    api_client_for, api_data, django_assert_max_num_queries
):
    for n in range(60):
        RunFactory(
            input_set_label="other" if n % 3 else "demo",
            status="failed" if n % 5 == 0 else "succeeded",
        )
    client = api_client_for("viewer")
    with django_assert_max_num_queries(8):
        page = client.get("/api/runs/?page_size=25").json()
    assert page["count"] == 61 and len(page["results"]) == 25
    demo = client.get("/api/runs/?input_set_label=demo&status=succeeded").json()
    expected = Run.objects.filter(  # a run reads its label from its plan, its status from its job
        plan_version__input_set_label="demo", plan_job__status="succeeded"
    ).count()
    assert demo["count"] == expected
    with django_assert_max_num_queries(8):
        assert client.get("/api/plans/?page_size=50").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/jobs/?page_size=50").status_code == 200

    ids = list(Run.objects.values_list("run_id", flat=True)[:2])
    compared = client.post(
        "/api/runs/compare/", {"run_ids": ids, "threshold": 1}, format="json"
    ).json()
    assert compared["base"] == ids[0] and len(compared["diffs"]) == 1
    assert (
        client.post("/api/runs/compare/", {"run_ids": [ids[0], "run-x"]}, format="json").status_code
        == 404
    )


def test_job_retry_and_cancel_conflicts(api_client_for, api_data):
    client = api_client_for("planner")
    cancel = client.post(f"/api/jobs/{api_data['job']}/cancel/")
    assert (cancel.status_code, cancel.json()["code"]) == (409, "job_state")
    retried = client.post(f"/api/jobs/{api_data['job']}/retry/")
    assert retried.status_code == 202 and retried.json()["status"] == "queued"
    assert client.post(f"/api/jobs/{retried.json()['id']}/cancel/").json()["status"] == "canceled"

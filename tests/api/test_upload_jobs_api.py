"""Large uploads are parsed in a job (issue 12): the API answers 202 with the job, the hub page
redirects to it, and the job's result is the report the command prints for the same files."""

import io
import json

import pytest
from django.core.management import call_command

from input_sets.models import PlanningInputSet
from planning_hub.jobs.models import Job

from ..api.conftest import make_user
from .test_input_sets_api import upload


@pytest.fixture
def large(settings, tmp_path):
    """Every upload counts as large; staged files go to a temporary folder."""
    settings.INPUT_SETS_ASYNC_UPLOAD_BYTES = 10
    settings.INPUT_SETS_UPLOAD_STAGING_DIR = str(tmp_path / "staging")
    return tmp_path / "staging"


def _files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_large_upload_is_202_then_its_job_holds_the_command_report(
    api_client_for, config_version, sample_dir, large, q_sync, django_capture_on_commit_callbacks
):
    client = api_client_for("planner")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(client, "big", _files(sample_dir))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"]["type"] == "import" and body["job"]["status"] == "queued"
    assert response["Location"] == body["job"]["url"]
    assert not PlanningInputSet.objects.filter(label="big").exists()  # not parsed in the request
    assert len(list(large.iterdir())) == 1  # staged

    for callback in callbacks:  # the commit hands the job to the (inline) worker
        callback()
    job = Job.objects.get(pk=body["job"]["id"])
    assert job.status == "succeeded", job.error
    assert not list(large.iterdir())  # staged files removed

    out = io.StringIO()
    call_command(
        "import_planning_inputs",
        "-i",
        str(sample_dir),
        "--version-id",
        "1",
        "--label",
        "cli",
        "--validate-only",
        "--json",
        stdout=out,
    )
    cli = json.loads(out.getvalue())
    report = job.result
    assert report["status"] == cli["status"] == "ok" and report["action"] == "created"
    assert report["counts"] == cli["counts"]
    assert [w["code"] for w in report["warnings"]] == [w["code"] for w in cli["warnings"]]
    stored = PlanningInputSet.objects.get(label="big")
    assert report["input_set"]["content_hash"] == stored.content_hash
    assert (stored.source, stored.created_by.username) == ("api", "planner")

    listed = client.get("/api/jobs/?kind=import").json()["results"]
    assert listed[0]["input_set_label"] == "big" and listed[0]["status"] == "succeeded"


def test_a_rejected_large_upload_fails_its_job_with_the_report_and_stores_nothing(
    api_client_for, config_version, large, q_sync, django_capture_on_commit_callbacks
):
    client = api_client_for("planner")
    bad = {"demand_family.csv": b"family,period,demand\nKETTLE,2026-01,-5\n"}
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "bad", bad)
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == "failed" and "rejected" in job.error.lower()
    assert job.result["status"] == "error"
    error = job.result["errors"][0]
    assert (error["file"], error["line"]) == ("demand_family.csv", 2)
    assert not PlanningInputSet.objects.filter(label="bad").exists()
    assert not list(large.iterdir())


def test_small_uploads_stay_synchronous(api_client_for, config_version, sample_dir, settings):
    settings.INPUT_SETS_ASYNC_UPLOAD_BYTES = 10**9
    response = upload(api_client_for("planner"), "small", _files(sample_dir))
    assert response.status_code == 201 and not Job.objects.filter(kind="import").exists()


def test_a_large_hub_upload_goes_to_its_job_page(client, config_version, sample_dir, large):
    client.force_login(make_user("planner"))
    files = []
    for name, data in _files(sample_dir).items():
        handle = io.BytesIO(data)
        handle.name = name
        files.append(handle)
    response = client.post(
        "/ui/plans/input_sets/upload", {"config_version": 1, "label": "ui_big", "files": files}
    )
    job = Job.objects.get(kind="import")
    assert response.status_code == 302 and response["Location"] == f"/ui/jobs/{job.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "ui_big" in page and job.params["source"] == "ui"


def test_the_job_page_of_a_rejected_upload_lists_its_errors(
    client, config_version, large, q_sync, django_capture_on_commit_callbacks
):
    client.force_login(make_user("planner"))
    handle = io.BytesIO(b"family,period,demand\nKETTLE,2026-01,-5\n")
    handle.name = "demand_family.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/ui/plans/input_sets/upload",
            {"config_version": 1, "label": "ui_bad", "files": [handle]},
        )
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-errors"' in page and "demand_family.csv" in page


def test_a_zip_counts_by_what_it_holds_unless_it_looks_like_a_bomb(settings):
    """A zipped 1,000,000-row set is ~5 MB but reads as ~27 MB: it goes to a job; an archive
    declaring more than INPUT_SETS_ZIP_MAX_RATIO times its size stays in the request, where
    the bundle checks refuse it at once."""
    import zipfile

    from input_sets.services.upload_jobs import upload_size

    def zipped(data: bytes) -> io.BytesIO:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("demand_family.csv", data)
        handle = io.BytesIO(buffer.getvalue())
        handle.name, handle.size = "set.zip", len(buffer.getvalue())
        return handle

    settings.INPUT_SETS_ZIP_MAX_RATIO = 100
    rows = b"".join(b"F%d,2026-%02d,%d\n" % (n, n % 12 + 1, n * 7 % 1000) for n in range(20000))
    real = zipped(b"family,period,demand\n" + rows)
    assert upload_size([real]) == 21 + len(rows) and real.tell() == 0
    bomb = zipped(b"family,period,demand\n" + bytes(4 * 1024**2))
    assert upload_size([bomb]) == bomb.size

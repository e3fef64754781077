"""Input-set API behaviour: uploads, runbook payloads and aliases, filters, totals, tokens."""

import io
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from input_sets.models import PlanningInputSet
from planning_hub.models import ApiToken

from ..factories import ConfigVersionFactory, InputSetFactory
from .conftest import make_user

pytestmark = pytest.mark.django_db


def upload(client, label, files: dict[str, bytes], **extra):
    handles = []
    for name, data in files.items():
        handle = io.BytesIO(data)
        handle.name = name
        handles.append(handle)
    return client.post(
        "/api/input-sets/",
        {"label": label, "config_version": 1, "files": handles, **extra},
        format="multipart",
    )


def test_upload_with_bad_rows_is_400_with_file_and_line_and_writes_nothing(
    api_client_for, config_version, sample_dir
):
    client = api_client_for("planner")
    files = {p.name: p.read_bytes() for p in sample_dir.iterdir()}
    files["capacity.csv"] = b"workcenter,period,capacity\nASSY-1,2026-01,-3\n"

    response = client.post("/api/input-sets/", {}, format="multipart")
    assert response.status_code == 400
    response = upload(client, "bad_upload", files)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert {
        "file": "capacity.csv",
        "line": 2,
        "column": "capacity",
        "code": "negative",
    }.items() <= body["errors"][0].items()
    assert not PlanningInputSet.objects.filter(label="bad_upload").exists()


def test_zip_upload_creates_a_draft_recorded_as_api(api_client_for, config_version, sample_dir):
    client = api_client_for("planner")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sample_dir.iterdir():
            archive.writestr(path.name, path.read_bytes())
    response = upload(client, "zipped", {"bundle.zip": buffer.getvalue()})
    assert response.status_code == 201, response.content
    assert response.json()["counts"]["bom"] == 12
    input_set = PlanningInputSet.objects.get(label="zipped")
    assert (input_set.status, input_set.source, input_set.created_by.username) == (
        "draft",
        "api",
        "planner",
    )


def test_events_payload_exactly_as_the_runbook_and_alias(api_client_for, api_data):
    client = api_client_for("viewer")
    body = client.get("/api/plans/input_sets/demo/events?limit=100").json()
    assert set(body) == {"input_set", "events"}
    assert set(body["input_set"]) == {"id", "label", "config_version_id", "status"}
    assert [e["action"] for e in body["events"]] == ["approve", "upload"]
    assert set(body["events"][0]) == {"id", "action", "actor", "comment", "created_at", "metadata"}
    assert (
        client.get("/api/input-sets/demo/events/?limit=1").json()["events"][0]["action"]
        == "approve"
    )
    assert client.get("/api/input-sets/demo/events/?limit=501").status_code == 400


def test_export_alias_returns_the_zip(api_client_for, api_data):
    response = api_client_for("viewer").get("/api/plans/input_sets/demo/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "demand_family.csv" in names and "input_set_meta.json" in names


def test_unknown_and_malformed_labels(api_client_for, db):
    client = api_client_for("viewer")
    missing = client.get("/api/input-sets/nope/")
    assert (missing.status_code, missing.json()["code"]) == (404, "input_set_not_found")
    bad = client.get("/api/input-sets/bad%20label!/")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input_set_label")


def test_review_actions_and_refused_transition(api_client_for, api_data):
    client = api_client_for("reviewer")
    response = client.post("/api/input-sets/draft1/approve/", {"comment": "JIRA-1"}, format="json")
    assert response.json()["status"] == "ready" and response.json()["approved_by"] == "reviewer"
    again = client.post("/api/input-sets/draft1/approve/", {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_filters_and_totals_span_pages(api_client_for, db, django_assert_max_num_queries):
    config = ConfigVersionFactory(pk=1)
    other = ConfigVersionFactory()
    for n in range(70):
        InputSetFactory(
            config_version=config if n % 2 else other,
            label=f"bulk_{n:02d}",
            status="ready" if n % 7 == 0 else "draft",
            approved_at=timezone.now() if n % 7 == 0 else None,
        )
    client = api_client_for("viewer")

    with django_assert_max_num_queries(8):
        first = client.get("/api/input-sets/?page_size=50").json()
    assert first["count"] == 70 and len(first["results"]) == 50
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 20
    ready = client.get("/api/input-sets/?status=ready&config_version=1").json()
    assert ready["count"] == len([n for n in range(70) if n % 7 == 0 and n % 2])
    assert client.get("/api/input-sets/?label=bulk_1").json()["count"] == 10
    ordered = client.get("/api/input-sets/?ordering=label").json()["results"]
    assert ordered[0]["label"] == "bulk_00"


def test_rows_endpoint_filters_and_paginates(api_client_for, api_data):
    client = api_client_for("viewer")
    kettle = client.get("/api/input-sets/demo/rows/family_demand/?family=KETTLE").json()
    assert kettle["count"] == 6 and {r["family_code"] for r in kettle["results"]} == {"KETTLE"}
    january = client.get("/api/input-sets/demo/rows/family_demand/?period=2026-01").json()
    assert january["count"] == 3
    assert client.get("/api/input-sets/demo/rows/nonsense/").status_code == 404


def test_retrieve_has_counts_hash_and_links(api_client_for, api_data):
    body = api_client_for("viewer").get("/api/input-sets/demo/").json()
    assert body["counts"]["family_demand"] == 18
    assert len(body["content_hash"]) == 64
    assert body["links"]["events"] == "/api/input-sets/demo/events/"


def test_token_prefixes_expiry_revocation_and_command(db):
    from rest_framework.test import APIClient

    user = make_user("viewer")
    out = StringIO()
    call_command("create_api_token", "--user", "viewer", "--expires-days", "1", stdout=out)
    key = out.getvalue().strip()
    client = APIClient()
    for prefix in ("Bearer", "Token"):
        client.credentials(HTTP_AUTHORIZATION=f"{prefix} {key}")
        assert client.get("/api/input-sets/").status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.digest != key and key not in token.digest  # stored hashed
    assert token.last_used_at is not None

    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    expired = client.get("/api/input-sets/")
    assert (expired.status_code, expired.json()["code"]) == (401, "token_expired")

    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, revoked_at=timezone.now())
    revoked = client.get("/api/input-sets/")
    assert (revoked.status_code, revoked.json()["code"]) == (401, "token_revoked")

    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/input-sets/").status_code == 401


def test_datetime_filters_accept_any_iso_offset_and_reject_unrepresentable_dates(
    api_client_for, db
):
    """Found by schemathesis on PostgreSQL: offsets beyond ±15:59 used to reach the database."""
    client = api_client_for("viewer")
    assert client.get("/api/input-sets/?created_after=0293-06-05T13:09:16-20:42").status_code == 200
    too_early = client.get("/api/input-sets/?created_after=0001-01-01T00:00:00%2B14:00")
    assert (too_early.status_code, too_early.json()["code"]) == (400, "invalid")


def test_diff_is_202_while_computing_then_the_cached_result_with_paged_rows(
    api_client_for, api_data, q_sync, django_capture_on_commit_callbacks
):
    client = api_client_for("viewer")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get("/api/input-sets/draft1/diff/")  # default: newest other ready set
    assert first.status_code == 202
    assert first.json()["against"] == "demo" and first["Location"].endswith("?against=demo")

    done = client.get(first["Location"]).json()
    assert done["job"]["status"] == "succeeded"
    assert done["summary"]["identical"] is True
    rows = client.get(
        "/api/input-sets/draft1/diff/?against=demo&section=family_demand&kind=changed"
    ).json()
    assert rows["count"] == 0

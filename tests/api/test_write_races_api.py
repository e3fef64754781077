"""Issue 15 (3): write races and a locked SQLite database never give a 500.

- Concurrent first uploads of one label: one 201, the others a clean 409
  ``input_set_conflict`` (an upload that finds the set already there answers 200 as before).
- SQLite "database is locked" after the busy timeout: retried with backoff, then 503 with
  ``Retry-After``; nothing is written.
"""

import io
import threading

import pytest
from django.db import OperationalError, connection

from input_sets.models import FamilyDemand, PlanningInputSet
from input_sets.services import importing
from planning_hub import db_busy

from ..api.conftest import make_user
from .test_input_sets_api import upload

LOCKED = OperationalError("database is locked")


def token_client(username="uploader"):
    """An API client for a user holding the upload permissions directly (transactional tests
    flush the groups the migrations create)."""
    from rest_framework.test import APIClient

    from planning_hub.services import api_token_create

    from ..factories import UserFactory

    user = UserFactory(
        username=username,
        perms=["input_sets.add_planninginputset", "input_sets.view_planninginputset"],
    )
    _, key = api_token_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def sample_files(sample_dir) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sample_dir.iterdir()}


@pytest.mark.django_db
def test_a_set_created_while_an_upload_is_read_is_a_409(
    api_client_for, config_version, sample_dir, monkeypatch
):
    """The other upload commits between this one's start and its write (both databases)."""
    client = api_client_for("planner")
    parse = importing.parse_bundle

    def parse_while_another_upload_commits(bundle, **kwargs):
        parsed = parse(bundle, **kwargs)
        monkeypatch.setattr(importing, "parse_bundle", parse)
        assert (
            upload(client, "racy", {"demand_family.csv": b"family,period,demand\n"}).status_code
            == 201
        )
        return parsed

    monkeypatch.setattr(importing, "parse_bundle", parse_while_another_upload_commits)
    response = upload(client, "racy", sample_files(sample_dir))

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "input_set_conflict"
    assert [(e["column"], e["code"]) for e in body["errors"]] == [("label", "input_set_conflict")]
    assert not FamilyDemand.objects.filter(input_set__label="racy").exists()  # the first's data
    # sent again, the upload replaces the draft as usual
    assert upload(client, "racy", sample_files(sample_dir)).status_code == 200


@pytest.mark.django_db
def test_the_unique_label_losing_an_insert_race_is_a_409(
    api_client_for, config_version, sample_dir, monkeypatch
):
    """Both uploads saw no set and both insert (PostgreSQL's READ COMMITTED): the loser's
    IntegrityError becomes the 409."""
    client = api_client_for("planner")
    assert upload(client, "racy", sample_files(sample_dir)).status_code == 201
    monkeypatch.setattr(importing, "_locked_set", lambda label: None)
    label_exists = iter([False])  # the start-of-import check sees no set
    real_filter = PlanningInputSet.objects.filter

    def filter_(*args, **kwargs):
        if kwargs == {"label": "racy"} and next(label_exists, True) is False:
            return PlanningInputSet.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(PlanningInputSet.objects, "filter", filter_)
    response = upload(client, "racy", sample_files(sample_dir))

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "input_set_conflict"
    assert PlanningInputSet.objects.filter(label="racy").count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uploads_give_one_201_and_409s(sample_dir, audit_flushable):
    """Real concurrency: 8 clients upload one new label at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises them)")
    from django.core.management.color import no_style
    from rest_framework.test import APIClient

    from input_sets.models import CanonicalConfigVersion

    CanonicalConfigVersion.objects.create(pk=1, name="config-1")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [CanonicalConfigVersion]):
            cursor.execute(sql)
    credentials = token_client()._credentials
    files = sample_files(sample_dir)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def client_upload():
        try:
            client = APIClient()
            client.credentials(**credentials)
            barrier.wait()
            statuses.append(upload(client, "contended", files).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=client_upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 8
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 200}, statuses
    assert 409 in statuses, statuses
    assert PlanningInputSet.objects.filter(label="contended").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("retries", "delay", "locked_calls", "status", "sleeps"),
    [
        (3, 0.25, 2, 201, [0.25, 0.5]),  # locked twice, then the write goes through
        (2, 0.5, 99, 503, [0.5, 1.0]),  # locked through every retry
    ],
    ids=["retried", "gave_up"],
)
def test_a_locked_database_is_retried_with_backoff_then_a_503(
    config_version,
    sample_dir,
    monkeypatch,
    settings,
    audit_flushable,
    retries,
    delay,
    locked_calls,
    status,
    sleeps,
):
    settings.DB_LOCKED_RETRIES = retries
    settings.DB_LOCKED_RETRY_DELAY_SECONDS = delay
    slept: list[float] = []
    monkeypatch.setattr(db_busy.time, "sleep", slept.append)
    write = importing._write
    failures = iter([LOCKED] * locked_calls)

    def locked_at_first(*args, **kwargs):
        error = next(failures, None)
        if error:
            raise error
        return write(*args, **kwargs)

    monkeypatch.setattr(importing, "_write", locked_at_first)
    response = upload(token_client(), "locked", sample_files(sample_dir))

    assert response.status_code == status, response.content
    assert slept == sleeps
    stored = PlanningInputSet.objects.filter(label="locked").count()
    if status == 503:
        assert response["Retry-After"] == "2"
        assert response.json()["code"] == "database_busy"
        assert stored == 0
    else:
        assert stored == 1


@pytest.mark.django_db
def test_a_locked_error_anywhere_in_the_api_is_a_503(api_client_for, monkeypatch):
    from input_sets.api import views

    def locked(*args, **kwargs):
        raise LOCKED

    monkeypatch.setattr(views.InputSetViewSet, "list", locked)
    response = api_client_for("viewer").get("/api/input-sets/")
    assert response.status_code == 503
    assert response["Retry-After"] and response.json()["code"] == "database_busy"


@pytest.mark.django_db
def test_a_locked_database_on_a_hub_page_is_a_503(client, config_version, sample_dir, monkeypatch):
    from input_sets import views

    def locked(*args, **kwargs):
        raise LOCKED

    monkeypatch.setattr(views, "input_set_import", locked)
    client.force_login(make_user("planner"))
    handle = io.BytesIO(b"family,period,demand\n")
    handle.name = "demand_family.csv"
    response = client.post(
        "/ui/plans/input_sets/upload", {"config_version": 1, "label": "hub", "files": [handle]}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "database is busy" in response.content.decode()


def test_other_operational_errors_are_not_retried(monkeypatch):
    calls = []

    def broken():
        calls.append(1)
        raise OperationalError("no such table: x")

    with pytest.raises(OperationalError):
        db_busy.retry_when_locked(broken)
    assert calls == [1]


@pytest.mark.django_db
def test_the_command_exits_1_when_the_database_stays_locked(
    sample_dir, config_version, monkeypatch
):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    def always_locked(*args, **kwargs):
        raise LOCKED

    monkeypatch.setattr(importing, "_write", always_locked)
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_planning_inputs",
            *("-i", str(sample_dir), "--version-id", "1", "--label", "locked"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert exc_info.value.returncode == 1
    assert str(exc_info.value).startswith("database_busy: The database is busy")
    assert not PlanningInputSet.objects.filter(label="locked").exists()


def test_a_real_sqlite_lock_is_recognised(tmp_path):
    """The text matched is the one SQLite gives when another connection holds the write lock."""
    import sqlite3

    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as exc_info:
            waiter.execute("BEGIN IMMEDIATE")
        assert db_busy.is_locked(exc_info.value)
        assert db_busy.is_locked(OperationalError(str(exc_info.value)))
    finally:
        waiter.close()
        holder.close()

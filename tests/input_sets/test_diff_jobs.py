"""Diff jobs: cache miss → job → hit, TTL, invalidation by content, one job per pair, failures."""

import threading

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client import REGISTRY

from audit.models import InputSetEvent
from input_sets.models import InputSetDiff, PlanningInputSet
from input_sets.services import input_set_diff_request, input_set_diffs_purge
from planning_hub.jobs.models import Job
from planning_hub.jobs.services import jobs_sweep_stale

pytestmark = pytest.mark.django_db


def metric(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def pair(sample_dir, import_dir):
    import_dir(sample_dir, label="a")
    (sample_dir / "demand_family.csv").write_text("family,period,demand\nKETTLE,2026-01,1\n")
    import_dir(sample_dir, label="b")
    return PlanningInputSet.objects.get(label="a"), PlanningInputSet.objects.get(label="b")


def test_miss_starts_one_job_then_the_cache_answers(
    pair, q_sync, django_capture_on_commit_callbacks
):
    a, b = pair
    hits = metric("input_set_diff_cache_hits_total")
    jobs = metric("input_set_diff_jobs_total", result="success")

    with django_capture_on_commit_callbacks(execute=True):
        first = input_set_diff_request(input_set=b, against=a)
    first.refresh_from_db()
    assert first.status == "succeeded" and first.task_id
    assert first.summary["sections"]["family_demand"]["removed"] == 17
    assert first.rows.filter(section="family_demand", kind="removed").count() == 17

    again = input_set_diff_request(input_set=b, against=a)
    assert again.pk == first.pk and again.finished_at == first.finished_at
    assert metric("input_set_diff_cache_hits_total") == hits + 1
    assert metric("input_set_diff_jobs_total", result="success") == jobs + 1
    assert InputSetDiff.objects.count() == 1


def test_a_queued_job_is_not_started_twice(pair):
    a, b = pair
    first = input_set_diff_request(input_set=b, against=a)  # queued (on_commit never runs here)
    second = input_set_diff_request(input_set=b, against=a)
    assert first.status == second.status == "queued" and first.pk == second.pk
    assert InputSetDiff.objects.count() == 1


def test_stale_after_ttl_is_recomputed(pair, settings):
    a, b = pair
    diff = input_set_diff_request(input_set=b, against=a, sync=True)
    stale = metric("input_set_diff_cache_stale_total")
    settings.INPUT_SET_DIFF_TTL_SECONDS = 60
    Job.objects.filter(pk=diff.job_id).update(  # a diff's finish time is its job's
        finished_at=timezone.now() - timezone.timedelta(seconds=61)
    )

    again = input_set_diff_request(input_set=b, against=a, sync=True)

    assert again.pk == diff.pk and again.finished_at > timezone.now() - timezone.timedelta(
        seconds=5
    )
    assert metric("input_set_diff_cache_stale_total") == stale + 1


def test_a_change_to_either_set_invalidates_the_cached_diff(pair, sample_dir, import_dir):
    a, b = pair
    old = input_set_diff_request(input_set=b, against=a, sync=True)
    (sample_dir / "demand_family.csv").write_text("family,period,demand\nKETTLE,2026-01,2\n")
    import_dir(sample_dir, label="b")  # b is a draft: new content, new hash
    b.refresh_from_db()

    new = input_set_diff_request(input_set=b, against=a, sync=True)

    assert new.pk != old.pk and new.content_hash == b.content_hash
    changed = new.rows.get(section="family_demand", kind="changed")
    assert changed.current["demand"] == 2


def test_failing_job_records_a_diff_event_and_the_failure_metric(pair, monkeypatch, caplog):
    a, b = pair
    failures = metric("input_set_diff_jobs_total", result="failure")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("input_sets.services.diff_jobs.diff_frames", broken)
    diff = input_set_diff_request(input_set=b, against=a, sync=True)

    assert diff.status == "failed" and "boom" in diff.error
    event = InputSetEvent.objects.get(input_set=b, action="diff")
    assert event.metadata["diff_job_id"] == diff.pk and event.metadata["result"] == "failure"
    assert metric("input_set_diff_jobs_total", result="failure") == failures + 1
    assert "input_set_diff_job_failed" in caplog.text


def test_a_diff_left_running_by_a_dead_worker_fails_then_is_recomputed(pair, settings):
    """Issue 12: a diff whose worker died no longer stays ``running``: the heartbeat sweep
    fails it (with a diff event), and the next request computes it again."""
    a, b = pair
    settings.JOBS_STALE_AFTER_SECONDS = 60
    diff = input_set_diff_request(input_set=b, against=a)  # queued
    Job.objects.filter(pk=diff.job_id).update(
        status="running",
        worker="gone:1",
        heartbeat_at=timezone.now() - timezone.timedelta(seconds=61),
    )
    assert input_set_diff_request(input_set=b, against=a, sync=True).status == "running"

    assert jobs_sweep_stale() == 1
    diff.refresh_from_db()
    assert diff.status == "failed" and "no heartbeat" in diff.error
    event = InputSetEvent.objects.get(input_set=b, action="diff")
    assert event.metadata["result"] == "failure"

    again = input_set_diff_request(input_set=b, against=a, sync=True)
    assert again.pk == diff.pk and again.status == "succeeded" and again.job_id != diff.job_id
    assert again.rows.filter(section="family_demand", kind="removed").count() == 17


def test_purge(pair):
    a, b = pair
    input_set_diff_request(input_set=b, against=a, sync=True)
    input_set_diff_request(input_set=a, against=b, sync=True)
    assert input_set_diffs_purge(label="a") == 2
    assert not InputSetDiff.objects.exists() and not Job.objects.filter(kind="diff").exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_start_one_job(sample_dir, import_dir):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    import_dir(sample_dir, label="x")
    import_dir(sample_dir, label="y")
    a, b = PlanningInputSet.objects.get(label="x"), PlanningInputSet.objects.get(label="y")
    barrier = threading.Barrier(2)
    seen = []

    def request():
        try:
            barrier.wait()
            seen.append(input_set_diff_request(input_set=a, against=b).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and InputSetDiff.objects.count() == 1

"""``plan_backfill_series``: legacy PlanSeries rows move into segments (issue 9 item 5)."""

import json
import math
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from planning_hub.bulk import insert_frame
from plans.models import JobStatus, PlanSeries, PlanSeriesSegment, PlanVersion
from plans.pipeline.series_tables import SERIES_COLUMNS, series_rows
from plans.selectors import plan_series_read
from plans.services import plan_create_and_execute

pytestmark = pytest.mark.django_db


def _plan(**params) -> PlanVersion:
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True, params=params
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job.plan


def _tables(plan) -> dict[str, pd.DataFrame]:
    levels = PlanSeriesSegment.objects.filter(plan=plan).values_list("level", flat=True)
    return {lv: plan_series_read(plan=plan, level=lv).table for lv in sorted(set(levels))}


def _clean(value):
    """JSON as the legacy writer stored it, with nulls instead of NaN (jsonb refuses NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _make_legacy(plan: PlanVersion) -> int:
    """Turn the plan's segments into PlanSeries rows, as a plan made before the store."""
    rows = 0
    for level, table in _tables(plan).items():
        frame = series_rows(level, table)
        if connection.vendor == "postgresql":  # SQLite keeps NaN (as the legacy writer did)
            frame["extra"] = [_clean(e) for e in frame["extra"]]
        frame["source"] = level
        rows += insert_frame(
            PlanSeries, frame, fields=[*SERIES_COLUMNS, "source"], fixed={"plan_id": plan.pk}
        )
    PlanSeriesSegment.objects.filter(plan=plan).delete()
    PlanVersion.objects.filter(pk=plan.pk).update(series_sha256={})
    return rows


def _run(*args) -> dict:
    out = StringIO()
    call_command("plan_backfill_series", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


@pytest.fixture
def legacy(ready_set, django_capture_on_commit_callbacks):
    """Two legacy plans, one with unrounded quantities, in version order:
    [(plan, tables, series_sha256, rows), ...]."""
    plans = [_plan(), _plan(round_mode="none")]
    tables = [_tables(p) for p in plans]
    hashes = [dict(p.series_sha256) for p in plans]
    with django_capture_on_commit_callbacks(execute=True):
        rows = [_make_legacy(p) for p in plans]
    assert not PlanSeriesSegment.objects.exists()
    return sorted(zip(plans, tables, hashes, rows, strict=True), key=lambda t: t[0].version_id)


def test_backfill_moves_rows_into_identical_segments(legacy, plan_series_storage):
    report = _run()
    assert report["plans_seen"] == report["plans_moved"] == 2
    assert report["rows_moved"] == sum(t[3] for t in legacy) > 0
    assert report["failed"] == [] and report["plans_skipped"] == 0
    assert not PlanSeries.objects.exists()
    for plan, tables, hashes, _ in legacy:
        plan.refresh_from_db()
        assert _tables(plan).keys() == tables.keys()
        for level, before in tables.items():
            after = plan_series_read(plan=plan, level=level).table
            pd.testing.assert_frame_equal(after, before, check_exact=False, atol=1e-6, rtol=0)
        if plan.parameters["round_mode"] == "int":
            # whole pieces survive the row shape exactly: byte-identical files
            assert plan.series_sha256 == hashes
        else:
            # legacy det rows kept demand/supply/backlog rounded to 6 decimals only
            assert plan.series_sha256.keys() == hashes.keys()
            assert {k: v for k, v in plan.series_sha256.items() if v != hashes[k]}.keys() == {"det"}
    names = set(PlanSeriesSegment.objects.values_list("name", flat=True))
    assert {str(p.relative_to(plan_series_storage)) for p in plan_series_storage.rglob("*")
            if p.is_file()} == names  # fmt: skip

    again = _run()
    assert again["plans_seen"] == again["plans_moved"] == again["rows_moved"] == 0


def test_dry_run_writes_nothing(legacy, plan_series_storage):
    report = _run("--dry-run")
    assert report["dry_run"] and report["plans_moved"] == 2
    assert report["rows_moved"] == PlanSeries.objects.count()
    assert not PlanSeriesSegment.objects.exists()
    assert not any(p.is_file() for p in plan_series_storage.rglob("*"))


def test_limit_and_resume_from(legacy):
    (first, *_), (second, *_) = legacy
    report = _run("--limit", "1")
    assert report["moved"] == [first.version_id]
    assert PlanSeries.objects.filter(plan=first).count() == 0
    assert PlanSeries.objects.filter(plan=second).exists()
    report = _run("--resume-from", second.version_id)
    assert report["moved"] == [second.version_id] and report["plans_seen"] == 1
    with pytest.raises(CommandError, match="not found"):
        _run("--resume-from", "pv-nope")


def test_a_plan_that_already_has_segments_is_skipped(legacy):
    (first, tables, *_), (second, *_) = legacy
    _run("--limit", "1")
    # stray legacy rows of a plan that already has segments are left alone
    PlanSeries.objects.create(
        plan=first, level="det", time_bucket_type="week", time_bucket_key="x", item_key="x"
    )
    report = _run()
    assert report["skipped"] == [first.version_id] and report["moved"] == [second.version_id]
    pd.testing.assert_frame_equal(plan_series_read(plan=first, level="det").table, tables["det"])


def test_a_failure_exits_1_keeps_the_rows_and_discards_the_files(
    legacy, plan_series_storage, monkeypatch
):
    (first, *_), (second, *_) = legacy
    PlanSeries.objects.filter(plan=first, level="mrp").update(location_key="plant-1")
    err = StringIO()
    with pytest.raises(CommandError, match="1 plan") as info:
        call_command("plan_backfill_series", stdout=StringIO(), stderr=err)
    assert info.value.returncode == 1
    assert first.version_id in err.getvalue() and "plant-1" in err.getvalue()
    assert PlanSeries.objects.filter(plan=first).exists()
    assert not PlanSeriesSegment.objects.filter(plan=first).exists()
    assert PlanSeriesSegment.objects.filter(plan=second).exists()

    # a failing transaction deletes the files it had written
    PlanSeries.objects.filter(plan=first).update(location_key="global")
    from plans import backfill

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(backfill.PlanSeriesSegment.objects, "bulk_create", broken)
    report = backfill.plan_series_backfill()
    assert report["failed"] == [
        {"plan": first.version_id, "error": "RuntimeError: database went away"}
    ]
    assert PlanSeries.objects.filter(plan=first).exists()
    names = set(PlanSeriesSegment.objects.values_list("name", flat=True))
    files = {str(p.relative_to(plan_series_storage)) for p in plan_series_storage.rglob("*")
             if p.is_file()}  # fmt: skip
    assert files == names

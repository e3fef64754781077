"""The columnar series store (issue 9): segments, the one read path, integrity, orphans,
reproducibility and the API / hub readers on top of it."""

import io

import pandas as pd
import pytest
from django.urls import reverse

from plans.models import JobStatus, PlanJob, PlanSeriesSegment
from plans.pipeline.series_tables import LEVELS
from plans.selectors import SeriesRows, plan_series_read
from plans.series_store import (
    SeriesSegmentCorrupt,
    SeriesSegmentMissing,
    _segment_slices,
    remove_orphan_segments,
    verified_bytes,
)
from plans.services import plan_create_and_execute, plan_delete, plan_jobs_recover_stale

pytestmark = pytest.mark.django_db


def _plan(**params):
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True, params=params
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job.plan


@pytest.fixture
def plan(ready_set):
    return _plan()


def _files(root):
    return {str(p.relative_to(root)) for p in root.rglob("*.parquet")}


def test_every_level_is_stored_as_sorted_segments_with_key_range_and_hash(
    plan, plan_series_storage
):
    segments = list(PlanSeriesSegment.objects.filter(plan=plan))
    assert {s.level for s in segments} == {"aggregate", "det", "mrp", "mrp_final", "weekly_summary"}
    assert _files(plan_series_storage) == {s.name for s in segments}
    for s in segments:
        table = plan_series_read(plan=plan, level=s.level).table
        schema = LEVELS[s.level]
        assert tuple(table.columns) == schema.columns  # only the level's own measures
        assert len(table) == s.rows and s.bytes > 0 and len(s.sha256) == 64
        if schema.item:
            items = table[schema.item].astype(str)
            assert (s.item_min, s.item_max) == (items.iloc[0], items.iloc[-1])
            keys = list(zip(items, table[schema.bucket].astype(str), strict=True))
            assert keys == sorted(keys)
    assert set(plan.series_sha256) == {s.level for s in segments}


def test_read_filters_pages_and_columns_agree_with_the_whole_level(plan):
    whole = plan_series_read(plan=plan, level="det").table
    sku = whole["sku"].iloc[len(whole) // 2]
    one = plan_series_read(plan=plan, level="det", items=[sku])
    expected = whole[whole["sku"] == sku].reset_index(drop=True)
    pd.testing.assert_frame_equal(one.table, expected, check_dtype=False)
    assert one.total == len(expected)

    ranged = plan_series_read(plan=plan, level="det", bucket_from="2026-W03", bucket_to="2026-W05")
    weeks = whole["week"].astype(str)
    assert ranged.total == int(((weeks >= "2026-W03") & (weeks <= "2026-W05")).sum()) > 0

    page = plan_series_read(plan=plan, level="det", offset=10, limit=7)
    assert page.total == len(whole)
    assert page.table["sku"].tolist() == whole["sku"].iloc[10:17].tolist()

    narrow = plan_series_read(plan=plan, level="mrp", columns=["net_req"])
    assert list(narrow.table.columns) == ["item", "week", "net_req"]
    with pytest.raises(ValueError, match="nope"):
        plan_series_read(plan=plan, level="mrp", columns=["nope"])
    with pytest.raises(ValueError, match="Unknown series level"):
        plan_series_read(plan=plan, level="nope")


def test_small_row_groups_and_segments_give_the_same_rows(ready_set, settings):
    reference = plan_series_read(plan=_plan(), level="mrp").table
    settings.PLAN_SERIES_ROW_GROUP_ROWS = 7
    settings.PLAN_SERIES_SEGMENT_ROWS = 30
    plan = _plan()
    segments = PlanSeriesSegment.objects.filter(plan=plan, level="mrp")
    assert segments.count() > 1
    whole = plan_series_read(plan=plan, level="mrp").table
    pd.testing.assert_frame_equal(whole, reference)
    # segments split between items, so an item's rows are in one segment
    ranges = [(s.item_min, s.item_max) for s in segments.order_by("seq")]
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    page = plan_series_read(plan=plan, level="mrp", offset=25, limit=40).table
    pd.testing.assert_frame_equal(page, reference.iloc[25:65].reset_index(drop=True))
    item = reference["item"].iloc[-1]
    one = plan_series_read(plan=plan, level="mrp", items=[item]).table
    assert len(one) == int((reference["item"] == item).sum())


def test_segment_slices_never_split_an_item():
    table = pd.DataFrame({"item": list("aaabbbbcdd")})
    parts = [table["item"].iloc[s].tolist() for s in _segment_slices(table, "item", 4)]
    assert parts == [list("aaa"), list("bbbb"), list("cdd")]
    parts = [table["item"].iloc[s].tolist() for s in _segment_slices(table, "item", 2)]
    assert parts == [list("aaa"), list("bbbb"), list("c"), list("dd")]


def test_same_inputs_and_parameters_give_byte_identical_segments(ready_set):
    first, second = _plan(), _plan()
    assert first.series_sha256 == second.series_sha256 and first.series_sha256
    digests = lambda p: dict(  # noqa: E731
        PlanSeriesSegment.objects.filter(plan=p).values_list("level", "sha256")
    )
    assert digests(first) == digests(second)
    other = _plan(round_mode="none")
    assert other.series_sha256 != first.series_sha256


def test_corrupt_or_missing_segment_gives_a_clear_error_never_numbers(plan, plan_series_storage):
    segment = PlanSeriesSegment.objects.get(plan=plan, level="aggregate")
    path = plan_series_storage / segment.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    verified_bytes.clear()
    with pytest.raises(SeriesSegmentCorrupt, match="corrupt"):
        plan_series_read(plan=plan, level="aggregate")
    path.unlink()
    with pytest.raises(SeriesSegmentMissing, match="missing"):
        plan_series_read(plan=plan, level="aggregate")


def test_deleting_a_plan_removes_its_segment_files_on_commit(
    plan, plan_series_storage, django_capture_on_commit_callbacks
):
    assert _files(plan_series_storage)
    with django_capture_on_commit_callbacks(execute=True):
        plan_delete(plan=plan)
    assert not PlanSeriesSegment.objects.exists()
    assert not _files(plan_series_storage)


def test_re_execution_replaces_the_segments(
    plan, plan_series_storage, django_capture_on_commit_callbacks
):
    from plans.services import plan_execute

    old = set(PlanSeriesSegment.objects.filter(plan=plan).values_list("name", flat=True))
    job = PlanJob.objects.create(plan=plan, trigger="cli")
    with django_capture_on_commit_callbacks(execute=True):
        plan_execute(job_id=job.pk)
    new = set(PlanSeriesSegment.objects.filter(plan=plan).values_list("name", flat=True))
    assert new and not (old & new)
    assert _files(plan_series_storage) == new


def test_killed_run_leaves_no_visible_series_and_recovery_removes_its_files(
    ready_set, plan_series_storage, monkeypatch
):
    """A worker killed after writing segment files but before its commit: the series are not
    visible, and worker start (stale-job recovery) deletes the orphan files."""
    import plans.services as services

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")  # not an Exception: nothing of the job is finished

    monkeypatch.setattr(services, "_persist", killed)
    monkeypatch.setattr(services.SegmentWriter, "discard", lambda self: None)  # no cleanup
    with pytest.raises(SystemExit):
        plan_create_and_execute(
            config_version_id=1, input_set_label="demo", trigger="cli", sync=True
        )
    job = PlanJob.objects.get()
    assert job.status == JobStatus.RUNNING and _files(plan_series_storage)
    assert not PlanSeriesSegment.objects.exists()
    # a running job's files are left alone: its transaction may still commit
    assert remove_orphan_segments() == 0
    PlanJob.objects.filter(pk=job.pk).update(worker="elsewhere:1", heartbeat_at="2000-01-01T00:00Z")
    assert plan_jobs_recover_stale() == 1
    assert PlanJob.objects.get().status == JobStatus.FAILED
    assert not _files(plan_series_storage)


def test_series_rows_paginate_across_levels(plan):
    rows = SeriesRows(plan=plan, levels=["aggregate", "det"])
    n_agg = plan_series_read(plan=plan, level="aggregate", limit=0).total
    assert len(rows) == n_agg + plan_series_read(plan=plan, level="det", limit=0).total
    window = rows[n_agg - 2 : n_agg + 3]
    assert [r["level"] for r in window] == ["aggregate"] * 2 + ["det"] * 3


def test_hub_plan_page_reads_the_series(plan, client, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("viewer1", password="pw")
    user.groups.add(Group.objects.get(name="viewer"))
    client.force_login(user)
    whole = plan_series_read(plan=plan, level="mrp").table
    item = str(whole["item"].iloc[0])
    page = client.get(
        reverse("plans:detail", args=[plan.version_id]), {"level": "mrp", "item": item}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(f"<td>{item}</td>") == int((whole["item"] == item).sum())
    assert 'id="series-sha256"' in html and plan.series_sha256["det"][:14] in html
    charts = page.context["charts"]
    assert sum(charts["demand"]) == pytest.approx(
        plan_series_read(plan=plan, level="aggregate").table["demand"].sum()
    )


def test_plan_db_maint_removes_orphan_segment_files(plan, plan_series_storage):
    from django.core.management import call_command

    orphan = plan_series_storage / "pv-gone" / "job-999" / "det-0000.parquet"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a killed run")
    kept = _files(plan_series_storage) - {str(orphan.relative_to(plan_series_storage))}
    out = io.StringIO()
    call_command("plan_db_maint", "--remove-orphan-segments", stdout=out)
    assert "removed 1 orphan segment file(s)" in out.getvalue()
    assert _files(plan_series_storage) == kept and kept

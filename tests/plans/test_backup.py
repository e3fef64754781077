"""``plan_db_maint --backup / --restore``: the database together with the series segments
(issue 9 item 6), on SQLite and PostgreSQL."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from plans.backup import BackupError, pg_tool
from plans.models import JobStatus, PlanSeriesSegment, PlanVersion
from plans.services import plan_create_and_execute, plan_delete

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_flushable", "pg_tools"),
]


@pytest.fixture
def pg_tools():
    if connection.vendor == "postgresql":
        try:
            pg_tool("pg_dump"), pg_tool("pg_restore")
        except BackupError as exc:
            pytest.skip(str(exc))


def _plan(**params) -> PlanVersion:
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True, params=params
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job.plan


def _maint(*args) -> str:
    out = StringIO()
    call_command("plan_db_maint", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _export(plan_id: str, folder: Path) -> dict[str, bytes]:
    call_command("plan_export", plan_id, "-o", str(folder), stdout=StringIO())
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def backed_up(ready_set, tmp_path, plan_series_storage):
    """A plan, its export (dir A) and a backup: (plan, export, backup dir)."""
    plan = _plan()
    export = _export(plan.version_id, tmp_path / "A")
    backup = tmp_path / "backup"
    out = _maint("--backup", str(backup))
    assert "backup written" in out
    return plan, export, backup


def test_backup_holds_database_segments_and_manifest(backed_up, plan_series_storage):
    plan, _, backup = backed_up
    manifest = json.loads((backup / "manifest.json").read_text())
    database = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}[connection.vendor]
    assert manifest["vendor"] == connection.vendor and manifest["database"] == database
    assert (backup / database).stat().st_size == manifest["database_bytes"] > 0
    if connection.vendor == "postgresql":
        assert (backup / database).read_bytes()[:5] == b"PGDMP"
    segments = {s.name: s for s in PlanSeriesSegment.objects.filter(plan=plan)}
    assert {e["name"] for e in manifest["segments"]} == set(segments)
    for entry in manifest["segments"]:
        segment = segments[entry["name"]]
        assert entry["plan"] == plan.version_id and entry["level"] == segment.level
        assert (entry["rows"], entry["bytes"], entry["sha256"]) == (
            segment.rows,
            segment.bytes,
            segment.sha256,
        )
        copy = backup / "segments" / entry["name"]
        assert copy.read_bytes() == (plan_series_storage / entry["name"]).read_bytes()
    # a backup never goes into a folder that already holds something
    with pytest.raises(CommandError, match="not an empty directory"):
        _maint("--backup", str(backup))


def test_restore_brings_back_a_deleted_plan_byte_for_byte(backed_up, tmp_path, plan_series_storage):
    plan, export, backup = backed_up
    plan_delete(plan=plan)  # transactional test: its files go on commit, i.e. now
    assert not PlanVersion.objects.filter(pk=plan.pk).exists()
    assert not _files(plan_series_storage)
    later = _plan()  # made after the backup: gone again after the restore, files too
    assert _files(plan_series_storage)

    with pytest.raises(CommandError, match="--yes"):
        _maint("--restore", str(backup))
    out = _maint("--restore", str(backup), "--yes")
    assert "restored" in out

    assert PlanVersion.objects.filter(version_id=plan.version_id).exists()
    assert not PlanVersion.objects.filter(version_id=later.version_id).exists()
    names = set(PlanSeriesSegment.objects.values_list("name", flat=True))
    assert _files(plan_series_storage) == names and names  # orphans of `later` removed
    restored = _export(plan.version_id, tmp_path / "B")
    assert restored.keys() == export.keys()
    for name, data in export.items():
        assert restored[name] == data, name


def test_a_corrupt_segment_in_the_backup_is_refused_before_anything_changes(
    backed_up, plan_series_storage
):
    plan, _, backup = backed_up
    name = json.loads((backup / "manifest.json").read_text())["segments"][0]["name"]
    copy = backup / "segments" / name
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    plan_delete(plan=plan)
    with pytest.raises(CommandError, match="damaged") as info:
        _maint("--restore", str(backup), "--yes")
    assert info.value.returncode == 1
    assert name in str(info.value)
    assert not PlanVersion.objects.filter(pk=plan.pk).exists()  # database untouched
    assert not _files(plan_series_storage)  # storage untouched


def test_bad_manifests_are_refused(backed_up):
    _, _, backup = backed_up
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())

    def refused(text, match):
        manifest_path.write_text(text)
        with pytest.raises(CommandError, match=match):
            _maint("--restore", str(backup), "--yes")

    refused("{not json", "not a readable manifest")
    refused(json.dumps({"format": "other"}), "not a Planning Hub backup")
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    refused(json.dumps({**manifest, "vendor": other}), f"backup is of a {other}")
    bad_name = {**manifest["segments"][0], "name": "../../etc/passwd"}
    refused(json.dumps({**manifest, "segments": [bad_name]}), "invalid segment name")
    missing = {**manifest["segments"][0], "name": "pv-x/job-1/det-0000.parquet"}
    refused(json.dumps({**manifest, "segments": [missing]}), "missing from the backup")
    manifest_path.unlink()
    with pytest.raises(CommandError, match="manifest.json not found"):
        _maint("--restore", str(backup), "--yes")


def test_a_missing_segment_file_fails_the_backup_and_leaves_no_directory(
    ready_set, tmp_path, plan_series_storage
):
    plan = _plan()
    segment = PlanSeriesSegment.objects.filter(plan=plan).first()
    (plan_series_storage / segment.name).unlink()
    backup = tmp_path / "backup"
    with pytest.raises(CommandError, match="missing") as info:
        _maint("--backup", str(backup))
    assert info.value.returncode == 1
    assert not backup.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_pg_tool_failures_give_a_clear_error(backed_up, tmp_path, monkeypatch):
    _, _, backup = backed_up
    monkeypatch.setattr("plans.backup.pg_tool", lambda name: shutil.which("false"))
    with pytest.raises(CommandError, match=r"pg_dump failed \(exit 1\)"):
        _maint("--backup", str(tmp_path / "other"))
    assert not (tmp_path / "other").exists()
    with pytest.raises(CommandError, match=r"pg_restore failed \(exit 1\)") as info:
        _maint("--restore", str(backup), "--yes")
    assert info.value.returncode == 1

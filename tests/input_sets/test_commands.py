"""Management commands: the operator's view (JSON payloads, exit codes, files)."""

import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from input_sets.models import PlanningInputSet

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_json(*args) -> dict:
    return json.loads(run(*args, "--json"))


def test_done_when_flow_on_the_shared_sample(shared_sample, tmp_path):
    """Issue 2 "Done when": import → approve → export → re-import keeps the hash."""
    report = run_json(
        "import_planning_inputs",
        "-i",
        str(shared_sample),
        "--new-version-id",
        "1",
        "--label",
        "scpln_sample",
    )
    assert report["status"] == "ok" and report["action"] == "created"
    assert report["input_set"]["status"] == "draft"
    assert sum(report["counts"].values()) == 24 + 12 + 3 + 3 + 1 + 24 + 4 + 2

    review = run_json(
        "review_input_set",
        "--label",
        "scpln_sample",
        "--action",
        "approve",
        "--reviewer",
        "ops_lead",
    )
    assert review["input_set"]["status"] == "ready"
    events = run_json("show_planning_input_events", "--label", "scpln_sample")
    assert [e["action"] for e in events["events"]] == ["approve", "upload"]
    assert events["input_set"] == {
        "id": report["input_set"]["id"],
        "label": "scpln_sample",
        "config_version_id": 1,
        "status": "ready",
    }
    assert set(events["events"][0]) == {
        "id",
        "action",
        "actor",
        "comment",
        "created_at",
        "metadata",
    }

    exported = run_json("export_planning_inputs", "--version-id", "1", "-o", str(tmp_path / "exp"))
    assert exported["label"] == "scpln_sample"
    again = run_json(
        "import_planning_inputs",
        "-i",
        str(tmp_path / "exp"),
        "--version-id",
        "1",
        "--label",
        "scpln_copy",
    )
    assert again["input_set"]["content_hash"] == report["input_set"]["content_hash"]


def test_import_error_exits_1_with_the_report(sample_dir, config_version, tmp_path):
    (sample_dir / "capacity.csv").write_text("workcenter,period,capacity\nASSY-1,2026-01,lots\n")
    report_path = tmp_path / "report.json"
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_planning_inputs",
            "-i",
            str(sample_dir),
            "--version-id",
            "1",
            "--report",
            str(report_path),
            "--json",
            stdout=StringIO(),
        )
    assert exc_info.value.returncode == 1
    saved = json.loads(report_path.read_text())
    assert saved["status"] == "error"
    first = saved["errors"][0]
    assert (first["file"], first["line"], first["column"], first["code"]) == (
        "capacity.csv",
        2,
        "capacity",
        "not_a_number",
    )
    assert not PlanningInputSet.objects.exists()


def test_missing_version_is_a_clear_error(sample_dir, db):
    with pytest.raises(CommandError, match="Config version 3 does not exist"):
        run("import_planning_inputs", "-i", str(sample_dir), "--version-id", "3")


def test_default_label_and_validate_only(sample_dir, config_version, tmp_path):
    plain = tmp_path / "weekly_refresh"
    sample_dir.rename(plain)
    (plain / "input_set_meta.json").unlink()
    report = run_json(
        "import_planning_inputs", "-i", str(plain), "--version-id", "1", "--validate-only"
    )
    assert (
        report["action"] == "validated" and report["input_set"]["label"] == "import_weekly_refresh"
    )
    assert not PlanningInputSet.objects.exists()


def test_export_zip_with_meta_and_diff(sample_dir, config_version, tmp_path):
    run("import_planning_inputs", "-i", str(sample_dir), "--version-id", "1", "--label", "one")
    (sample_dir / "demand_family.csv").write_text("family,period,demand\nKETTLE,2026-01,1\n")
    run("import_planning_inputs", "-i", str(sample_dir), "--version-id", "1", "--label", "two")

    result = run_json(
        "export_planning_inputs",
        "--label",
        "two",
        "-o",
        str(tmp_path / "two"),
        "--zip",
        "--include-meta",
        "--diff-against",
        "one",
    )

    assert result["output"].endswith("two.zip")
    assert "input_set_meta.json" in zipfile.ZipFile(result["output"]).namelist()
    diff = json.loads((tmp_path / "diff_report.json").read_text())
    assert diff["sections"]["family_demand"]["counts"]["removed"] == 17
    assert diff["current"]["label"] == "two" and diff["other"]["label"] == "one"


def test_list_and_review_errors(sample_dir, config_version):
    run("import_planning_inputs", "-i", str(sample_dir), "--version-id", "1", "--label", "listed")
    listed = run_json("list_planning_input_sets", "--status", "draft")
    assert [s["label"] for s in listed["input_sets"]] == ["listed"]
    assert run_json("list_planning_input_sets", "--status", "ready") == {"input_sets": []}
    with pytest.raises(CommandError, match="Cannot revert"):
        run("review_input_set", "--label", "listed", "--action", "revert", "--reviewer", "x")
    with pytest.raises(CommandError, match="not found"):
        run("show_planning_input_events", "--label", "missing")


def test_load_sample_data_is_idempotent(db):
    first = run_json("load_sample_data", "--approve")
    second = run_json("load_sample_data", "--approve")
    assert first["status"] == second["status"] == "ready"
    assert first["content_hash"] == second["content_hash"]
    assert second["action"] == "kept"

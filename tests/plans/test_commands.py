"""create_plan, plan_export and plan_db_maint from the operator's side."""

import json
import shutil
import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = pytest.mark.django_db


def run_json(*args) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_create_plan_on_the_shared_sample(shared_sample, tmp_path):
    """Issue 3 "Done when": demand_total 3780 with the label and hash recorded."""
    imported = run_json(
        "import_planning_inputs",
        "-i",
        str(shared_sample),
        "--new-version-id",
        "1",
        "--label",
        "scpln_sample",
    )
    call_command(
        "review_input_set",
        "--label",
        "scpln_sample",
        "--action",
        "approve",
        "--reviewer",
        "ops_lead",
        stdout=StringIO(),
    )

    payload = run_json(
        "create_plan", "--config-version-id", "1", "--input-set-label", "scpln_sample", "--sync"
    )

    assert payload["status"] == "succeeded"
    assert payload["kpis"]["demand_total"] == 3780
    assert {"fill_rate", "supply_total", "backlog_total"} <= set(payload["kpis"])
    assert payload["input_set"]["label"] == "scpln_sample"
    assert payload["input_set"]["content_hash"] == imported["input_set"]["content_hash"]
    assert payload["run_id"].startswith("run-") and payload["plan_version"].startswith("pv-")

    out = tmp_path / "export"
    call_command("plan_export", payload["plan_version"], "-o", str(out), stdout=StringIO())
    assert {p.name for p in out.iterdir()} == {
        "aggregate.json",
        "sku_week.json",
        "mrp.json",
        "plan_final.json",
        "report.csv",
    }
    rows = json.loads((out / "aggregate.json").read_text())["rows"]
    assert sum(r["demand"] for r in rows) == 3780


def test_create_plan_refuses_a_draft_and_plan_export_an_unknown_version(
    sample_dir, import_dir, tmp_path
):
    import_dir(sample_dir, label="draft_set")
    with pytest.raises(CommandError, match="only ready"):
        call_command(
            "create_plan",
            "--config-version-id",
            "1",
            "--input-set-label",
            "draft_set",
            "--sync",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="not found"):
        call_command("plan_export", "pv-nope", "-o", str(tmp_path / "x"), stdout=StringIO())
    assert not (tmp_path / "x").exists()


def test_plan_db_maint_backup_and_trim(ready_set, tmp_path):
    for _ in range(3):
        call_command(
            "create_plan",
            "--config-version-id",
            "1",
            "--input-set-label",
            "demo",
            "--sync",
            stdout=StringIO(),
        )
    out = StringIO()
    call_command("plan_db_maint", "--max-plans", "1", stdout=out)
    assert "trimmed 2 plan(s)" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_plan_db_maint_backup(config_version, tmp_path):
    """SQLite: the online backup API gives a readable copy; PostgreSQL: a pg_dump archive
    (the backup directory in full: tests/plans/test_backup.py)."""
    backup = tmp_path / "backup"
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    call_command("plan_db_maint", "--backup", str(backup), stdout=StringIO())
    if connection.vendor == "sqlite":
        with sqlite3.connect(backup / "database.sqlite3") as copy:
            rows = copy.execute("SELECT name FROM input_sets_canonicalconfigversion").fetchall()
        assert rows == [(config_version.name,)]
    else:
        assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"

"""Issue 15: formula-like codes refused, free text neutralised losslessly, strict headers."""

import json
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from input_sets.exceptions import ImportRejected
from input_sets.models import PeriodMetric, PlanningInputSet
from input_sets.services import input_set_export_dir
from planning_hub.spreadsheet import (
    is_formula_like,
    neutralise_formula,
    neutralise_series,
    unescape_series,
)

from ..factories import FamilyDemandFactory

pytestmark = pytest.mark.django_db

ISSUE_KEYS = {"file", "line", "column", "code", "message", "value"}


def import_command(path, tmp_path, *extra) -> dict:
    """Run ``import_planning_inputs`` expecting a rejection; returns the JSON report."""
    report_path = tmp_path / "report.json"
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_planning_inputs",
            "-i",
            str(path),
            "--version-id",
            "1",
            "--report",
            str(report_path),
            *extra,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert exc_info.value.returncode == 1
    return json.loads(report_path.read_text())


@pytest.mark.parametrize(
    "value", ["=1+2", "+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")', "\t=x", "\r=x"]
)
def test_neutralise_and_unescape_are_inverse(value):
    assert is_formula_like(value)
    exported = neutralise_series(pd.Series([value])).iat[0]
    assert exported == "'" + value and not is_formula_like(exported)
    assert unescape_series(pd.Series([exported])).iat[0] == value
    assert unescape_series(pd.Series(["'plain"])).iat[0] == "'plain"


def test_neutralise_formula_touches_only_formula_like_strings():
    assert neutralise_formula("=A1") == "'=A1"
    assert neutralise_formula("\rx") == "'\rx"
    assert neutralise_formula("KETTLE") == "KETTLE"
    assert neutralise_formula("'=A1") == "'=A1"
    assert neutralise_formula(-5.0) == -5.0
    assert neutralise_formula(None) is None


def test_formula_like_family_is_refused_by_the_import_command(sample_dir, config_version, tmp_path):
    (sample_dir / "demand_family.csv").write_text(
        'family,period,demand\nKETTLE,2026-01,820\n"=HYPERLINK(""http://x"")",2026-01,5\n'
    )
    report = import_command(sample_dir, tmp_path)
    errors = [e for e in report["errors"] if e["code"] == "formula_like_code"]
    assert errors == [
        {
            "file": "demand_family.csv",
            "line": 3,
            "column": "family",
            "code": "formula_like_code",
            "message": errors[0]["message"],
            "value": '=HYPERLINK("http://x")',
        }
    ]
    assert not PlanningInputSet.objects.exists()


@pytest.mark.parametrize(
    ("file", "text", "column", "value"),
    [
        ("mix_share.csv", "family,sku,share\nKETTLE,+SKU,1\n", "sku", "+SKU"),
        ("inventory.csv", "item,loc,qty\n@ITEM,DC,1\n", "item", "@ITEM"),
        ("inventory.csv", "item,location,qty\nKT-100-WH,-DC,1\n", "location", "-DC"),
        ("capacity.csv", "resource,period,capacity\n=R,2026-01,1\n", "resource", "=R"),
        ("open_po.csv", "po_id,item,due,qty\n=PO,KT-100-WH,2026-01-14,1\n", "po_id", "=PO"),
        ("open_po.csv", "item,due,qty,dest_node\nX,2026-01-14,1,=N\n", "dest_node", "=N"),
        ("bom.csv", "parent,child,qty\nKT-100-WH,'-1,1\n", "child", "-1"),
        ("item.csv", 'item,lt\n"\t=X",1\n', "item", "=X"),
        ("item.csv", 'item,lt\n"\r=X",1\n', "item", "=X"),
    ],
)
def test_every_code_column_refuses_formula_like_values(
    sample_dir, import_dir, file, text, column, value
):
    (sample_dir / file).write_text(text)
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="bad_codes")
    issues = [e.as_dict() for e in exc_info.value.report.errors if e.code == "formula_like_code"]
    assert [(i["file"], i["line"], i["column"], i["value"]) for i in issues] == [
        (file, 2, column, value)
    ]
    assert not PlanningInputSet.objects.exists()


@pytest.mark.parametrize("label", ["-x", "-1.5"])
def test_formula_like_label_is_refused(sample_dir, config_version, tmp_path, label):
    report = import_command(sample_dir, tmp_path, f"--label={label}")
    assert [(e["column"], e["code"], e["value"]) for e in report["errors"]] == [
        ("label", "formula_like_code", label)
    ]
    assert not PlanningInputSet.objects.exists()


def test_free_text_is_neutralised_on_export_and_the_round_trip_keeps_the_hash(
    sample_dir, import_dir, tmp_path
):
    (sample_dir / "period_cost.csv").write_text(
        "period,cost,unit,source\n"
        '2026-01,1800,=1+2,"=HYPERLINK(""http://x"")"\n'
        "2026-02,1820,-,@note\n"
        "2026-03,1830,'+already escaped,'plain quote\n"
    )
    original = import_dir(sample_dir, label="free_text")
    input_set = PlanningInputSet.objects.get(label="free_text")
    stored = dict(
        PeriodMetric.objects.filter(input_set=input_set, metric_code="cost").values_list(
            "period", "unit"
        )
    )
    assert stored["2026-01"] == "=1+2" and stored["2026-03"] == "+already escaped"

    input_set_export_dir(input_set=input_set, directory=tmp_path / "out")
    lines = (tmp_path / "out" / "period_cost.csv").read_text().splitlines()
    assert lines[0] == "period,cost,unit,source"
    assert lines[1:4] == [
        '2026-01,1800,\'=1+2,"\'=HYPERLINK(""http://x"")"',
        "2026-02,1820,'-,'@note",
        "2026-03,1830,'+already escaped,'plain quote",
    ]
    for path in (tmp_path / "out").glob("*.csv"):
        for line in path.read_text().splitlines():
            assert not is_formula_like(line), (path.name, line)

    again = import_dir(tmp_path / "out", label="free_text_again")
    assert again.input_set["content_hash"] == original.input_set["content_hash"]


def test_duplicate_header_column_is_refused_by_the_import_command(
    sample_dir, config_version, tmp_path
):
    (sample_dir / "demand_family.csv").write_text(
        "family,period,demand,demand\nKETTLE,2026-01,820,1\n"
    )
    report = import_command(sample_dir, tmp_path)
    assert [(e["file"], e["line"], e["column"], e["code"]) for e in report["errors"]] == [
        ("demand_family.csv", 1, "demand", "duplicate_column")
    ]
    assert set(report["errors"][0]) == ISSUE_KEYS
    assert not PlanningInputSet.objects.exists()


@pytest.mark.parametrize(
    ("file", "header", "column", "value"),
    [
        ("mix_share.csv", "family,sku,sku_code,share", "sku", "sku, sku_code"),
        ("inventory.csv", "item,loc,node,qty", "loc", "loc, node"),
        ("period_cost.csv", "period,cost,Value", "cost", "cost, value"),
        ("capacity.csv", "Workcenter,period,capacity,WORKCENTER", "workcenter", "workcenter"),
    ],
)
def test_duplicates_after_alias_mapping_are_refused(
    sample_dir, import_dir, file, header, column, value
):
    (sample_dir / file).write_text(header + "\n")
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="dup_columns")
    issues = [e for e in exc_info.value.report.errors if e.code == "duplicate_column"]
    assert [(i.file, i.line, i.column, i.value) for i in issues] == [(file, 1, column, value)]
    assert not PlanningInputSet.objects.exists()


def test_trailing_empty_header_cells_are_not_duplicates(sample_dir, import_dir):
    (sample_dir / "item.csv").write_text("item,lt,lot,moq,,\nKT-100-WH,7,10,20,,\n")
    report = import_dir(sample_dir, label="trailing_commas")
    assert report.counts["item"] == 1


def test_a_code_stored_before_issue_15_is_neutralised_on_export(tmp_path):
    """Legacy rows are never written raw to a CSV; re-importing them is refused until renamed."""
    row = FamilyDemandFactory(family_code='=HYPERLINK("http://x")')
    input_set_export_dir(input_set=row.input_set, directory=tmp_path / "legacy")
    text = (tmp_path / "legacy" / "demand_family.csv").read_text()
    assert text.splitlines()[1].startswith("\"'=HYPERLINK(")

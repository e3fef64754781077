"""Export (folder and zip) and diff."""

import io
import zipfile

import pytest

from input_sets.io.bundle import InputBundle
from input_sets.models import PlanningInputSet
from input_sets.services import (
    input_set_diff_report,
    input_set_diff_request,
    input_set_export_dir,
    input_set_export_zip,
    input_set_import,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fixture_name", ["shared_sample", "sample_dir"])
def test_export_then_import_gives_the_same_content_hash(
    request, import_dir, tmp_path, fixture_name
):
    source = request.getfixturevalue(fixture_name)
    original = import_dir(source, label="original")
    input_set = PlanningInputSet.objects.get(label="original")

    files = input_set_export_dir(input_set=input_set, directory=tmp_path / "out")
    names = {p.name for p in files}
    assert {"demand_family.csv", "item.csv", "bom.csv", "planning_calendar.json"} <= names

    again = import_dir(tmp_path / "out", label="round_trip")
    assert again.input_set["content_hash"] == original.input_set["content_hash"]
    assert again.counts == original.counts


def test_zip_export_round_trip(sample_dir, import_dir):
    original = import_dir(sample_dir, label="zip_src")
    data = input_set_export_zip(
        input_set=PlanningInputSet.objects.get(label="zip_src"), include_meta=True
    )
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert "input_set_meta.json" in names and "period_cost.csv" in names
    report = input_set_import(
        bundle=InputBundle.from_zip(io.BytesIO(data), name="zip_src"),
        label="zip_copy",
        config_version_id=1,
    )
    assert report.input_set["content_hash"] == original.input_set["content_hash"]


def test_diff_reports_added_removed_and_changed_cells(sample_dir, import_dir):
    import_dir(sample_dir, label="before")
    text = (sample_dir / "demand_family.csv").read_text()
    text = text.replace("KETTLE,2026-01,820", "KETTLE,2026-01,830").replace(
        "BLENDER,2026-06,500\n", ""
    )
    (sample_dir / "demand_family.csv").write_text(text + "RICE,2026-01,10\n")
    import_dir(sample_dir, label="after")

    job = input_set_diff_request(
        input_set=PlanningInputSet.objects.get(label="after"),
        against=PlanningInputSet.objects.get(label="before"),
        sync=True,
    )
    diff = input_set_diff_report(job)

    demand = diff["sections"]["family_demand"]
    assert demand["counts"] == {"added": 1, "removed": 1, "changed": 1, "unchanged": 16}
    assert job.summary["sections"]["family_demand"] == demand["counts"]
    assert demand["added"][0]["family_code"] == "RICE"
    assert demand["removed"][0]["family_code"] == "BLENDER"
    change = demand["changed"][0]
    assert change["key"] == {"family_code": "KETTLE", "period": "2026-01"}
    assert change["columns"] == ["demand"]
    assert (change["current"]["demand"], change["previous"]["demand"]) == (830.0, 820.0)
    assert diff["sections"]["bom"]["counts"] == {
        "added": 0,
        "removed": 0,
        "changed": 0,
        "unchanged": 12,
    }
    assert diff["identical"] is False

"""Issue 15 through the API upload: formula-like codes and duplicate columns are 400."""

import pytest

from input_sets.models import PlanningInputSet

from .test_input_sets_api import upload

pytestmark = pytest.mark.django_db


def sample_files(sample_dir) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sample_dir.iterdir()}


def rejected(response) -> list[dict]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "import_rejected"
    return body["errors"]


def test_formula_like_code_upload_is_400_with_file_line_column(
    api_client_for, config_version, sample_dir
):
    files = sample_files(sample_dir)
    files["mix_share.csv"] = (
        b'family,sku,share\nKETTLE,KT-100-WH,0.5\nKETTLE,"=HYPERLINK(""http://x"")",0.5\n'
    )
    errors = rejected(upload(api_client_for("planner"), "formula_upload", files))
    assert errors == [
        {
            "file": "mix_share.csv",
            "line": 3,
            "column": "sku",
            "code": "formula_like_code",
            "message": errors[0]["message"],
            "value": '=HYPERLINK("http://x")',
        }
    ]
    assert not PlanningInputSet.objects.filter(label="formula_upload").exists()


def test_formula_like_label_upload_is_400(api_client_for, config_version, sample_dir):
    errors = rejected(upload(api_client_for("planner"), "-1", sample_files(sample_dir)))
    assert [(e["column"], e["code"]) for e in errors] == [("label", "formula_like_code")]
    assert not PlanningInputSet.objects.exists()


@pytest.mark.parametrize(
    ("csv", "column", "value"),
    [
        (b"family,period,demand,demand\nKETTLE,2026-01,820,1\n", "demand", "demand"),
        (
            b"family_code,period,demand,FAMILY\nKETTLE,2026-01,820,K\n",
            "family",
            "family, family_code",
        ),
    ],
)
def test_duplicate_column_upload_is_400_on_line_1(
    api_client_for, config_version, sample_dir, csv, column, value
):
    files = sample_files(sample_dir)
    files["demand_family.csv"] = csv
    errors = rejected(upload(api_client_for("planner"), "dup_upload", files))
    assert [(e["file"], e["line"], e["column"], e["code"], e["value"]) for e in errors] == [
        ("demand_family.csv", 1, column, "duplicate_column", value)
    ]
    assert not PlanningInputSet.objects.filter(label="dup_upload").exists()

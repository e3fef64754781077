"""Issue 15 (3): hostile files are refused with file, line, column and a code, never a crash.

Through the service and the ``import_planning_inputs`` command (exit 1, the report names the
problem); the API and hub uploads are in ``tests/api/test_hostile_uploads_api.py``.
"""

import time

import pytest

from audit.models import InputSetEvent
from input_sets.exceptions import ImportRejected
from input_sets.io.bundle import InputBundle
from input_sets.io.hostile import json_depth, json_too_deep_at, long_line
from input_sets.models import FamilyDemand, PlanningInputSet
from input_sets.services import input_set_import
from planning_hub import settings as project_settings

from .hostile_cases import CASES, LINE_LIMIT, rejected_by_command

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_line_limit(settings):
    settings.INPUT_SETS_CSV_MAX_LINE_BYTES = LINE_LIMIT


def where(issue: dict) -> tuple:
    return (issue["file"], issue["line"], issue["column"], issue["code"])


def assert_nothing_written():
    assert not PlanningInputSet.objects.exists()
    assert not FamilyDemand.objects.exists()
    assert not InputSetEvent.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_command_refuses_each_hostile_file_with_exit_1(
    case, sample_dir, config_version, tmp_path
):
    (sample_dir / case.file).write_bytes(case.data)
    report, error, stderr = rejected_by_command(sample_dir, tmp_path, "--label", "hostile")
    assert [where(e) for e in report["errors"]] == [case.expected]
    assert case.expected[3] in stderr
    assert str(error).startswith("Import rejected with 1 error(s); first: ")
    assert_nothing_written()


def test_value_too_long_names_the_column_limit_from_the_model(sample_dir, import_dir):
    (sample_dir / "demand_family.csv").write_bytes(
        b"family,period,demand\nKETTLE," + b"2" * 33 + b",1\n"
    )
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="long_period")
    [issue] = exc_info.value.report.errors
    assert (issue.line, issue.column, issue.code) == (2, "period", "value_too_long")
    assert "32 characters" in issue.message  # FamilyDemand.period max_length
    assert issue.value == "2" * 33


def test_a_50_mb_line_is_refused_quickly_with_the_default_limit(
    settings, sample_dir, config_version
):
    settings.INPUT_SETS_CSV_MAX_LINE_BYTES = project_settings.INPUT_SETS_CSV_MAX_LINE_BYTES
    files = {p.name: p.read_bytes() for p in sample_dir.iterdir()}
    files["demand_family.csv"] = b"family,period,demand\n" + b"K" * (50 * 1024**2) + b",1,1\n"
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as exc_info:
        input_set_import(
            bundle=InputBundle(name="x", files=files), label="big_line", config_version_id=1
        )
    assert time.perf_counter() - started < 2
    [issue] = exc_info.value.report.errors
    assert (issue.line, issue.column, issue.code) == (2, "family", "line_too_long")
    assert "1048576 bytes" in issue.message
    assert_nothing_written()


def test_nul_bytes_of_a_utf16_file_are_not_nul_byte_errors(sample_dir, import_dir):
    text = "family,period,demand\nKETTLE,2026-01,820\n"
    (sample_dir / "demand_family.csv").write_bytes(text.encode("utf-16"))
    report = import_dir(sample_dir, label="utf16")
    assert report.counts["family_demand"] == 1


@pytest.mark.parametrize(
    ("file", "text", "column", "code"),
    [
        ("planning_params.json", '{"round_mode": "int", "x\\u0000": 1}', "x\\u0000", "nul_byte"),
        ("input_set_meta.json", '{"note": ["ok", "\\ud800"]}', "note[1]", "invalid_character"),
    ],
)
def test_json_strings_the_database_cannot_store_are_refused_with_their_path(
    sample_dir, import_dir, file, text, column, code
):
    (sample_dir / file).write_text(text)
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="json_strings")
    assert [(e.file, e.column, e.code) for e in exc_info.value.report.errors] == [
        (file, column, code)
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"tol_abs": NaN}',
        '{"tol_abs": Infinity}',
        '{"tol_abs": 1e999}',
        '{"a": 1' + "0" * 5000 + "}",
    ],
)
def test_json_numbers_the_database_cannot_store_are_invalid_json(sample_dir, import_dir, text):
    (sample_dir / "planning_params.json").write_text(text)
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="json_numbers")
    assert [(e.file, e.code) for e in exc_info.value.report.errors] == [
        ("planning_params.json", "invalid_json")
    ]


def test_a_deep_meta_file_gives_the_default_label_and_an_error(
    sample_dir, config_version, tmp_path
):
    (sample_dir / "input_set_meta.json").write_bytes(b"[" * 50_000 + b"]" * 50_000)
    assert InputBundle.from_path(sample_dir).meta_label() is None
    report, _, _ = rejected_by_command(sample_dir, tmp_path)
    assert [where(e) for e in report["errors"]] == [
        ("input_set_meta.json", 1, "char 21", "json_too_deep")
    ]


def test_helpers():
    assert long_line(b"a\nbb\r\nccc\n", 3) is None
    assert long_line(b"a\nbbbb\n", 3).line == 2
    assert long_line(b"a\rbbbb", 3).line == 1  # \r ends a line; \n counts lines
    assert json_depth(1) == 0 and json_depth([]) == 1 and json_depth({"a": [{}]}) == 3
    assert json_too_deep_at('["[[[[", [[1]]]', 2).column == "char 11"
    assert json_too_deep_at('["\\"[[", [1]]', 2) is None

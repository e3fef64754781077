"""The hostile files of issue 15 (item 3), shared by the command, API and hub tests.

Each case replaces one file of the sample and names the one error expected:
``(file, line, column, code)``. The tests run with ``INPUT_SETS_CSV_MAX_LINE_BYTES`` lowered
to :data:`LINE_LIMIT` so that a "too long" line stays small; the real 50 MB line is tested
once, on the service, with the default limit.
"""

import json
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

LINE_LIMIT = 16_384
DEEP = 50_000  # past the JSON parser's own recursion limit (RecursionError)


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    data: bytes
    expected: tuple  # (file, line, column, code)


DEMAND = "demand_family.csv"
HEADER = b"family,period,demand\n"

CASES = [
    Case(
        "line_too_long",
        DEMAND,
        HEADER + b"KETTLE,2026-01,820\n" + b"K" * (LINE_LIMIT + 10) + b",2026-02,1\n",
        (DEMAND, 3, "family", "line_too_long"),
    ),
    Case(
        "line_too_long_in_a_later_column",
        DEMAND,
        HEADER + b"KETTLE,2026-01," + b"9" * (LINE_LIMIT + 10) + b"\n",
        (DEMAND, 2, "demand", "line_too_long"),
    ),
    Case(
        "nul_byte",
        DEMAND,
        HEADER + b"KETTLE,2026-01,8\x0020\n",
        (DEMAND, 2, "demand", "nul_byte"),
    ),
    Case(
        "nul_byte_in_a_code",
        "mix_share.csv",
        b"family,sku,share\nKETTLE,KT\x00-100,1\n",
        ("mix_share.csv", 2, "sku", "nul_byte"),
    ),
    Case(
        "column_count_mismatch_first_row",
        DEMAND,
        HEADER + b"KETTLE,2026-01,1,000\n",
        (DEMAND, 2, "demand", "column_count_mismatch"),
    ),
    Case(
        "column_count_mismatch_later_row",
        DEMAND,
        HEADER + b"KETTLE,2026-01,820\nKETTLE,2026-02,1,000\nKETTLE,2026-03,5\n",
        (DEMAND, 3, "demand", "column_count_mismatch"),
    ),
    Case(
        "column_count_mismatch_with_cr_line_ends",  # found by the fuzz test: pandas ends lines at \r
        DEMAND,
        b"family,period,demand\rKETTLE,2026-01,1,000\rKETTLE,2026-02,5\r",
        (DEMAND, 2, "demand", "column_count_mismatch"),
    ),
    Case(
        "value_too_long",
        DEMAND,
        HEADER + b"K" * 10_000 + b",2026-01,1\n",
        (DEMAND, 2, "family", "value_too_long"),
    ),
    Case(
        "value_too_long_free_text",
        "period_cost.csv",
        b"period,cost,unit\n2026-01,1800," + b"u" * 33 + b"\n",
        ("period_cost.csv", 2, "unit", "value_too_long"),
    ),
    Case(
        "json_too_deep_calendar",
        "planning_calendar.json",
        b"[" * DEEP + b"]" * DEEP,
        ("planning_calendar.json", 1, "char 21", "json_too_deep"),
    ),
    Case(
        "json_too_deep_params",
        "planning_params.json",
        b'{"a":' * DEEP + b"1" + b"}" * DEEP,
        ("planning_params.json", 1, "char 101", "json_too_deep"),
    ),
    Case(
        "json_too_deep_below_the_parser_limit",
        "planning_params.json",
        b'{"round_mode": "int",\n "x": ' + b"[" * 30 + b"]" * 30 + b"}",
        ("planning_params.json", 2, "char 26", "json_too_deep"),
    ),
]


def rejected_by_command(path, tmp_path, *extra) -> tuple[dict, CommandError, str]:
    """Run ``import_planning_inputs -i path --version-id 1 *extra`` expecting exit code 1;
    returns ``(JSON report, the CommandError, stderr)``."""
    report_path = tmp_path / "report.json"
    stderr = StringIO()
    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_planning_inputs",
            *("-i", str(path), "--version-id", "1", "--report", str(report_path), *extra),
            stdout=StringIO(),
            stderr=stderr,
        )
    assert exc_info.value.returncode == 1
    return json.loads(report_path.read_text()), exc_info.value, stderr.getvalue()

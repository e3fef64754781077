"""Spec §3 calendar helpers (Q1, Q5, Q6)."""

import pytest

from plans.pipeline.calendar import CalendarError, PlanCalendar

from .sample import load_sample_inputs


@pytest.fixture(scope="module")
def cal():
    return PlanCalendar(load_sample_inputs().calendar)


def test_period_weeks_and_ratios(cal):
    weeks = cal.period_weeks("2025-01")
    assert [w for w, _, _ in weeks] == ["2025-W01", "2025-W02", "2025-W03", "2025-W04", "2025-W05"]
    assert [wt for _, _, wt in weeks] == [5, 7, 7, 7, 5]
    assert weeks[0][1] == pytest.approx(5 / 31)
    feb = cal.period_weeks("2025-02")
    assert feb[0][0] == "2025-W05" and feb[0][2] == 2


def test_straddling_week_mapping_and_weights(cal):
    assert cal.week_period("2025-W05") == "2025-02"  # §3.3: later period (Q5 convention)
    assert cal.week_period_weights("2025-W05") == {"2025-01": 5.0, "2025-02": 2.0}


def test_due_to_week_with_calendar(cal):
    assert cal.due_to_week("2025-01-10") == "2025-W02"
    assert cal.due_to_week("2025-02") == "2025-W09"  # last week of the period
    assert cal.due_to_week("2025-W07") == "2025-W07"
    assert cal.due_to_week("garbage") is None
    assert cal.due_to_week("2024-12-20") == "2024-12-W3"  # outside the calendar → fallback


def test_fallback_weeks_and_q6():
    fb = PlanCalendar(None)
    assert fb.fallback_week_count("2025-01") == 5
    assert fb.fallback_week_count("2021-02") == 4  # Feb 2021 starts on a Monday: 4 ISO weeks
    assert fb.fallback_week_count("M3") == 5
    assert fb.fallback_week_count("M4") == 4
    assert fb.fallback_week_count("X") == 4
    assert PlanCalendar(None, fallback_weeks=6).fallback_week_count("2025-01") == 6
    assert [w for w, _, _ in fb.period_weeks("2025-01")][-1] == "2025-01-W5"
    # Q6: days 29–31 land in W5 when the period has five fallback weeks
    assert fb.due_to_week("2025-01-30") == "2025-01-W5"
    assert fb.due_to_week("2025-01-03") == "2025-01-W1"
    assert fb.due_to_week("2025-01") == "2025-01-W5"
    assert fb.due_to_week("2021-02-27") == "2021-02-W4"


def test_ordering_is_chronological_q1(cal):
    fb = PlanCalendar(None)
    assert fb.order_periods(["M10", "M2", "M1"]) == ["M1", "M2", "M10"]
    assert fb.order_periods(["2025-10", "2025-02", "2024-12"]) == ["2024-12", "2025-02", "2025-10"]
    assert fb.order_weeks(["M10-W1", "M2-W2", "M2-W10", "M2-W1"]) == [
        "M2-W1",
        "M2-W2",
        "M2-W10",
        "M10-W1",
    ]
    assert cal.order_weeks(["2026-W01", "2025-W10", "2025-W02"]) == [
        "2025-W02",
        "2025-W10",
        "2026-W01",
    ]


def test_neighbours_and_cutover_period(cal):
    assert cal.neighbour_period("2025-01", -1) is None  # first calendar period
    assert cal.neighbour_period("2025-06", +1) == "2025-07"
    assert PlanCalendar(None).neighbour_period("2025-12", +1) == "2026-01"
    assert PlanCalendar(None).neighbour_period("M1", -1) is None
    assert cal.cutover_period("2025-03-15") == "2025-03"
    assert PlanCalendar(None).cutover_period("2025-03-15", ["2025-W10"]) == "2025-W11"


@pytest.mark.parametrize(
    "spec",
    [
        {"periods": [{"period": "P", "start_date": "2025-13-01", "end_date": "2025-01-31"}]},
        {"periods": [{"period": "P", "start_date": "2025-02-01", "end_date": "2025-01-31"}]},
        {"periods": [{"start_date": "2025-01-01", "end_date": "2025-01-31"}]},
        {
            "periods": [
                {
                    "period": "P",
                    "start_date": "2025-01-01",
                    "end_date": "2025-01-31",
                    "weeks": [{"week_code": "W1", "start_date": "x", "end_date": "2025-01-05"}],
                }
            ]
        },
        {"periods": "nope"},
    ],
)
def test_invalid_calendar_raises(spec):
    with pytest.raises(CalendarError):
        PlanCalendar(spec)
    assert issubclass(CalendarError, ValueError)

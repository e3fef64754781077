"""Planning calendar helpers (spec §2.2 and §3, with quirks Q1, Q5, Q6 addressed).

A :class:`PlanCalendar` wraps an optional ``planning_calendar.json`` dict and answers the
calendar questions every step asks: the weeks of a period and their ratios (§3.1), the fallback
week count (§3.2), week → period (§3.3), due date → week (§3.4) and the ordering of periods
and weeks (§3.5, Q1: by calendar dates or a parsed key, never plain string order).
"""

from __future__ import annotations

import calendar as _stdcal
import datetime as dt
import math
import re
from dataclasses import dataclass, field

import pandas as pd

_RE_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RE_ISOWEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_RE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RE_MK = re.compile(r"^M(\d+)$")
_RE_FALLBACK_WEEK = re.compile(r"^(.+)-W(\d+)$")
_RE_TRAILING_WEEK = re.compile(r"W[kK]?(\d+)$")

#: Sort key: (kind, ordinal, sub-index, code). kind 0 = dated, 1 = ``M<k>``, 2 = other.
SortKey = tuple[int, int, int, str]


class CalendarError(ValueError):
    """The calendar dict is not a valid ``PlanningCalendarSpec`` (spec §2.2)."""


def parse_iso_date(value: object) -> dt.date | None:
    """``YYYY-MM-DD`` → date, anything else → None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    m = _RE_DATE.match(value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date] | None:
    if not 1 <= month <= 12:
        return None
    last = _stdcal.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last)


def _iso_week_bounds(year: int, week: int) -> tuple[dt.date, dt.date] | None:
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return monday, monday + dt.timedelta(days=6)


def parse_period_bounds(period: str) -> tuple[dt.date, dt.date] | None:
    """Date range of a parseable period key: ``YYYY-MM`` (month) or ``YYYY-Www`` (ISO week)."""
    m = _RE_MONTH.match(period)
    if m:
        return _month_bounds(int(m.group(1)), int(m.group(2)))
    m = _RE_ISOWEEK.match(period)
    if m:
        return _iso_week_bounds(int(m.group(1)), int(m.group(2)))
    return None


@dataclass
class _CalWeek:
    code: str
    sequence: int
    start: dt.date
    end: dt.date
    weight: float
    # period -> max(0, weight) of the week inside that period (straddling weeks: several)
    period_weights: dict[str, float] = field(default_factory=dict)
    last_period: str = ""
    order: int = 0


@dataclass
class _CalPeriod:
    period: str
    start: dt.date
    end: dt.date
    # (week_code, sequence, start, end, weight) sorted by (sequence, start, code) — spec §3.1
    weeks: list[tuple[str, int, dt.date, dt.date, float]]


def _req_date(obj: dict, key: str, where: str) -> dt.date:
    d = parse_iso_date(obj.get(key))
    if d is None:
        raise CalendarError(f"calendar: {where}: '{key}' must be an ISO date, got {obj.get(key)!r}")
    return d


class PlanCalendar:
    """Calendar view used by every step (spec §3). ``spec`` is the ``planning_calendar.json``
    dict (§2.2) or None (fallback weeks ``<period>-W1..Wn``, §3.2). Raises
    :class:`CalendarError` for an invalid dict."""

    def __init__(self, spec: dict | None = None, fallback_weeks: int = 4) -> None:
        self.fallback_weeks = max(1, int(fallback_weeks or 4))
        self.spec = spec
        self._periods: dict[str, _CalPeriod] = {}
        self._weeks: dict[str, _CalWeek] = {}
        self._period_rank: dict[str, int] = {}
        self.calendar_type = "fallback_weeks"
        if spec:
            self._load(spec)
        self._date_week_cache: dict[str, str | None] = {}

    # ------------------------------------------------------------------ loading
    def _load(self, spec: dict) -> None:
        if not isinstance(spec, dict):
            raise CalendarError("calendar: expected a JSON object")
        periods = spec.get("periods") or []
        if not isinstance(periods, list):
            raise CalendarError("calendar: 'periods' must be a list")
        self.calendar_type = str(spec.get("calendar_type") or "custom")
        loaded: list[_CalPeriod] = []
        for i, p in enumerate(periods):
            if not isinstance(p, dict) or not str(p.get("period") or "").strip():
                raise CalendarError(f"calendar: period #{i + 1} has no 'period' key")
            code = str(p["period"]).strip()
            if code in self._periods:
                raise CalendarError(f"calendar: period {code!r} is listed twice")
            start = _req_date(p, "start_date", f"period {code}")
            end = _req_date(p, "end_date", f"period {code}")
            if end < start:
                raise CalendarError(f"calendar: period {code}: end_date before start_date")
            weeks = []
            for j, w in enumerate(p.get("weeks") or []):
                where = f"period {code} week #{j + 1}"
                if not isinstance(w, dict) or not str(w.get("week_code") or "").strip():
                    raise CalendarError(f"calendar: {where} has no 'week_code'")
                wcode = str(w["week_code"]).strip()
                ws = _req_date(w, "start_date", where)
                we = _req_date(w, "end_date", where)
                if we < ws:
                    raise CalendarError(f"calendar: {where}: end_date before start_date")
                try:
                    seq = int(w.get("sequence", j + 1))
                    weight = float(w.get("weight", 1.0) if w.get("weight") is not None else 1.0)
                except (TypeError, ValueError) as exc:
                    raise CalendarError(f"calendar: {where}: bad sequence/weight") from exc
                if not math.isfinite(weight):
                    raise CalendarError(f"calendar: {where}: weight must be finite")
                weeks.append((wcode, seq, ws, we, weight))
            weeks.sort(key=lambda t: (t[1], t[2], t[0]))
            cp = _CalPeriod(code, start, end, weeks)
            self._periods[code] = cp
            loaded.append(cp)
        # Q1: order periods by their dates (file order breaks ties).
        ordered = sorted(enumerate(loaded), key=lambda t: (t[1].start, t[0]))
        for rank, (_, cp) in enumerate(ordered):
            self._period_rank[cp.period] = rank
            for wcode, seq, ws, we, weight in cp.weeks:
                info = self._weeks.get(wcode)
                if info is None:
                    info = _CalWeek(wcode, seq, ws, we, weight)
                    self._weeks[wcode] = info
                else:
                    info.start = min(info.start, ws)
                    info.end = max(info.end, we)
                info.period_weights[cp.period] = info.period_weights.get(cp.period, 0.0) + max(
                    0.0, weight
                )
                info.last_period = cp.period  # Q5 convention: the later period wins
        for order, info in enumerate(
            sorted(self._weeks.values(), key=lambda w: (w.start, w.sequence, w.code))
        ):
            info.order = order

    # ------------------------------------------------------------------ properties
    @property
    def has_calendar(self) -> bool:
        """True when a calendar with at least one period was given."""
        return bool(self._periods)

    @property
    def calendar_mode(self) -> str:
        """``fallback_weeks`` without a calendar, else the calendar_type (spec §6)."""
        return self.calendar_type if self.has_calendar else "fallback_weeks"

    @property
    def calendar_periods(self) -> list[str]:
        """Calendar period keys in chronological order."""
        return sorted(self._periods, key=self._period_rank.__getitem__)

    def has_period(self, period: str) -> bool:
        """True when the calendar defines ``period``."""
        return period in self._periods

    def has_week(self, week: str) -> bool:
        """True when the calendar defines the week code."""
        return week in self._weeks

    # ------------------------------------------------------------------ ordering (§3.5, Q1)
    def period_sort_key(self, period: str) -> SortKey:
        """Chronological key: calendar start date, else parsed ``YYYY-MM``/``YYYY-Www``/
        ``YYYY-MM-DD``, then ``M<k>`` by k, then anything else by string (Q1)."""
        cp = self._periods.get(period)
        if cp is not None:
            return (0, cp.start.toordinal(), self._period_rank[period], period)
        b = parse_period_bounds(period)
        if b is not None:
            return (0, b[0].toordinal(), 1_000_000, period)
        d = parse_iso_date(period)
        if d is not None:
            return (0, d.toordinal(), 1_000_000, period)
        m = _RE_MK.match(period)
        if m:
            return (1, int(m.group(1)), 0, period)
        return (2, 0, 0, period)

    def week_sort_key(self, week: str) -> SortKey:
        """Chronological key for week codes: calendar weeks by date/sequence, fallback weeks
        ``<period>-W<i>`` by (period key, i), ISO week codes by their Monday (Q1)."""
        info = self._weeks.get(week)
        if info is not None:
            return (0, info.start.toordinal(), info.sequence, week)
        m = _RE_ISOWEEK.match(week)
        if m:
            b = _iso_week_bounds(int(m.group(1)), int(m.group(2)))
            if b is not None:
                return (0, b[0].toordinal(), 0, week)
        m = _RE_FALLBACK_WEEK.match(week)
        if m:
            pk = self.period_sort_key(m.group(1))
            i = int(m.group(2))
            if pk[0] == 0:
                return (0, pk[1] + 7 * (i - 1), i, week)
            return (pk[0], pk[1], 0, f"{pk[3]}\x00{i:09d}")
        return (3, 0, 0, week)

    def order_periods(self, periods) -> list[str]:
        """De-duplicated periods in chronological order (Q1)."""
        return sorted(dict.fromkeys(periods), key=self.period_sort_key)

    def order_weeks(self, weeks) -> list[str]:
        """De-duplicated week codes in horizon order (§3.5 with Q1)."""
        return sorted(dict.fromkeys(weeks), key=self.week_sort_key)

    # ------------------------------------------------------------------ weeks of a period
    def fallback_week_count(self, period: str) -> int:
        """Spec §3.2: ``weeks`` if not 4; ``YYYY-MM`` → 5 if more than 4 ISO weeks touch the
        month else 4; ``M<k>`` → 5 when k % 3 == 0 (4-4-5); otherwise 4."""
        if self.fallback_weeks != 4:
            return self.fallback_weeks
        m = _RE_MONTH.match(period)
        if m:
            b = _month_bounds(int(m.group(1)), int(m.group(2)))
            if b is None:
                return 4
            first, last = b
            n = (last - (first - dt.timedelta(days=first.weekday()))).days // 7 + 1
            return 5 if n > 4 else 4
        m = _RE_MK.match(period)
        if m:
            return 5 if int(m.group(1)) % 3 == 0 else 4
        return 4

    def period_weeks(self, period: str) -> list[tuple[str, float, float]]:
        """Weeks of a period with ``(week_code, ratio, weight)`` (spec §3.1).

        Calendar: the period's weeks sorted by (sequence, start_date, week_code),
        ``w = max(0, weight)``, ratio ``w/Σw`` (``1/n`` when Σw = 0). Fallback: n weeks
        ``<period>-W1..Wn`` (§3.2) with ratio 1/n and weight 1.
        """
        cp = self._periods.get(period)
        if cp is not None and cp.weeks:
            ws = [max(0.0, w[4]) for w in cp.weeks]
            tot = sum(ws)
            n = len(ws)
            if tot > 0:
                return [(w[0], wt / tot, wt) for w, wt in zip(cp.weeks, ws, strict=True)]
            return [(w[0], 1.0 / n, 1.0) for w in cp.weeks]
        n = self.fallback_week_count(period)
        return [(f"{period}-W{i}", 1.0 / n, 1.0) for i in range(1, n + 1)]

    def week_table(self, periods) -> pd.DataFrame:
        """Columns: period, week, ratio (share of the period), weight (raw calendar weight,
        days in the sample), pos (0-based position of the week inside the period)."""
        rows = []
        for p in dict.fromkeys(periods):
            for pos, (w, r, wt) in enumerate(self.period_weeks(p)):
                rows.append((p, w, r, wt, pos))
        return pd.DataFrame(rows, columns=["period", "week", "ratio", "weight", "pos"]).astype(
            {
                "period": "str",
                "week": "str",
                "ratio": "float64",
                "weight": "float64",
                "pos": "int64",
            }
        )

    def week_period_weights(self, week: str) -> dict[str, float]:
        """Period → weight of a week (straddling weeks have several entries; used for the
        Q22 split). Non-calendar weeks map to their single period (§3.3) with weight 1."""
        info = self._weeks.get(week)
        if info is not None and info.period_weights:
            return dict(info.period_weights)
        return {self.week_period(week): 1.0}

    # ------------------------------------------------------------------ week → period (§3.3)
    def week_period(self, week: str) -> str:
        """Calendar mapping first (a straddling week → the later period, Q5 convention); else a
        ``YYYY-Www`` code → the month of its Thursday; else fallback ``<period>-W<i>`` → period;
        else the first 7 characters when the 5th is ``-``; else the code itself."""
        info = self._weeks.get(week)
        if info is not None:
            return info.last_period
        m = _RE_ISOWEEK.match(week)
        if m:
            b = _iso_week_bounds(int(m.group(1)), int(m.group(2)))
            if b is not None:
                thu = b[0] + dt.timedelta(days=3)
                return f"{thu.year:04d}-{thu.month:02d}"
        m = _RE_FALLBACK_WEEK.match(week)
        if m:
            return m.group(1)
        if len(week) >= 7 and week[4] == "-":
            return week[:7]
        return week

    def week_sequence(self, week: str) -> int | None:
        """Calendar sequence, else the trailing ``W<k>``/``Wk<k>`` digits (spec §10)."""
        info = self._weeks.get(week)
        if info is not None:
            return info.sequence
        m = _RE_TRAILING_WEEK.search(week)
        return int(m.group(1)) if m else None

    # ------------------------------------------------------------------ dates
    def week_bounds(self, week: str) -> tuple[dt.date, dt.date] | None:
        """First and last day of a week code (calendar, ISO week or fallback week)."""
        info = self._weeks.get(week)
        if info is not None:
            return info.start, info.end
        m = _RE_ISOWEEK.match(week)
        if m:
            return _iso_week_bounds(int(m.group(1)), int(m.group(2)))
        m = _RE_FALLBACK_WEEK.match(week)
        if m:
            period, i = m.group(1), int(m.group(2))
            b = self.period_bounds(period)
            if b is None:
                return None
            n = self.fallback_week_count(period)
            if _RE_MONTH.match(period):
                start = b[0] + dt.timedelta(days=7 * (i - 1))
                end = b[1] if i >= n else start + dt.timedelta(days=6)
                if start > b[1]:
                    return None
                return start, min(end, b[1])
            return b
        return None

    def period_bounds(self, period: str) -> tuple[dt.date, dt.date] | None:
        """First and last day of a period (calendar, else parsed ``YYYY-MM``/``YYYY-Www``)."""
        cp = self._periods.get(period)
        if cp is not None:
            return cp.start, cp.end
        return parse_period_bounds(period)

    def due_bounds(self, due: str) -> tuple[dt.date, dt.date] | None:
        """Date range meant by a due string: ISO date, ``YYYY-MM``, or a week code."""
        due = (due or "").strip()
        d = parse_iso_date(due)
        if d is not None:
            return d, d
        m = _RE_MONTH.match(due)
        if m:
            return _month_bounds(int(m.group(1)), int(m.group(2)))
        return self.week_bounds(due)

    def period_of_date(self, day: dt.date) -> str | None:
        """Calendar period containing the date (first in order), else None."""
        for p in self.calendar_periods:
            cp = self._periods[p]
            if cp.start <= day <= cp.end:
                return p
        return None

    def due_to_week(self, due: str) -> str | None:
        """Spec §3.4 with Q6. With a calendar: a known week code → itself; an ISO date → the
        first calendar week whose [start, end] contains it; ``YYYY-MM`` of a calendar period →
        its last week. Otherwise ``YYYY-MM`` → ``<YYYY-MM>-W<n>`` (last fallback week) and
        ``YYYY-MM-DD`` → the fallback week whose day range (1–7, 8–14, …, last week to month
        end) contains the day (Q6: W5 is reachable). ISO week codes map through their Monday.
        Unparsable → None."""
        key = (due or "").strip()
        if key in self._date_week_cache:
            return self._date_week_cache[key]
        res = self._due_to_week(key)
        self._date_week_cache[key] = res
        return res

    def _due_to_week(self, due: str) -> str | None:
        if not due:
            return None
        if due in self._weeks:
            return due
        if self.has_calendar:
            m = _RE_MONTH.match(due)
            if m and due in self._periods and self._periods[due].weeks:
                return self._periods[due].weeks[-1][0]
            day = parse_iso_date(due)
            if day is None:
                m = _RE_ISOWEEK.match(due)
                if m:
                    b = _iso_week_bounds(int(m.group(1)), int(m.group(2)))
                    day = b[0] if b else None
            if day is not None:
                hit = self._calendar_week_of_date(day)
                if hit is not None:
                    return hit
        m = _RE_MONTH.match(due)
        if m:
            if _month_bounds(int(m.group(1)), int(m.group(2))) is None:
                return None
            return f"{due}-W{self.fallback_week_count(due)}"
        day = parse_iso_date(due)
        if day is None:
            m = _RE_ISOWEEK.match(due)
            if m:
                return due
            return None
        period = f"{day.year:04d}-{day.month:02d}"
        n = self.fallback_week_count(period)
        i = min(n, (day.day - 1) // 7 + 1)
        return f"{period}-W{i}"

    def _calendar_week_of_date(self, day: dt.date) -> str | None:
        for p in self.calendar_periods:
            for wcode, _seq, ws, we, _w in self._periods[p].weeks:
                if ws <= day <= we:
                    return wcode
        return None

    # ------------------------------------------------------------------ neighbours / cutover
    def cutover_period(self, cutover_date: str, periods=()) -> str | None:
        """Planning period containing the cutover date: the calendar period when there is one;
        else the ISO week code if the plan's periods are ISO weeks; else ``YYYY-MM``."""
        day = parse_iso_date(cutover_date)
        if day is None:
            return None
        p = self.period_of_date(day)
        if p is not None:
            return p
        periods = list(periods)
        if periods and all(_RE_ISOWEEK.match(x) for x in periods):
            y, w, _ = day.isocalendar()
            return f"{y:04d}-W{w:02d}"
        return f"{day.year:04d}-{day.month:02d}"

    def neighbour_period(self, period: str, step: int) -> str | None:
        """Previous (step=-1) or next (step=+1) period: calendar order when the period is in
        the calendar, else ±1 month for ``YYYY-MM``, ±1 ISO week for ``YYYY-Www``, ±1 for
        ``M<k>`` (spec §10.7)."""
        if period in self._periods:
            order = self.calendar_periods
            i = order.index(period) + step
            return order[i] if 0 <= i < len(order) else None
        m = _RE_MONTH.match(period)
        if m:
            y, mo = int(m.group(1)), int(m.group(2)) + step
            y += (mo - 1) // 12
            mo = (mo - 1) % 12 + 1
            return f"{y:04d}-{mo:02d}"
        m = _RE_ISOWEEK.match(period)
        if m:
            b = _iso_week_bounds(int(m.group(1)), int(m.group(2)))
            if b is None:
                return None
            y, w, _ = (b[0] + dt.timedelta(days=7 * step)).isocalendar()
            return f"{y:04d}-W{w:02d}"
        m = _RE_MK.match(period)
        if m:
            k = int(m.group(1)) + step
            return f"M{k}" if k >= 1 else None
        return None

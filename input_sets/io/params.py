"""Validation of ``planning_calendar.json`` and ``planning_params.json``.

Calendar layout: spec ``planning_pipeline.md`` §2.2. Parameter names and defaults:
``reference_features.md`` §1.2 plus the run parameters of ``planning_pipeline.md`` §1.
"""

import datetime as dt

from .errors import ImportIssue

PARAM_RULES: dict[str, tuple] = {
    # name: (type(s), allowed values or None)
    "default_anchor_policy": ((str, type(None)), ("DET_near", "AGG_far", "blend", None)),
    "anchor_policy": ((str, type(None)), ("DET_near", "AGG_far", "blend", None)),
    "tolerance_abs": ((int, float), None),
    "tolerance_rel": ((int, float), None),
    "tol_abs": ((int, float), None),
    "tol_rel": ((int, float), None),
    "carryover_mode": ((str,), ("none", "auto", "prev", "next", "both")),
    "carryover_split": ((int, float), None),
    "lt_unit": ((str,), ("day", "week")),
    "recon_window_days": ((int, type(None)), None),
    "round_mode": ((str,), ("none", "int", "dec1", "dec2")),
    "cutover_date": ((str, type(None)), None),
    "week_days": ((int,), None),
    "weeks": ((int,), None),
    "blend_split_next": ((int, float, type(None)), None),
    "blend_weight_mode": ((str,), ("tri", "lin", "quad")),
    "max_adjust_ratio": ((int, float, type(None)), None),
    "apply_adjusted": ((bool,), None),
}


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def validate_calendar(obj, filename: str) -> tuple[dict | None, list[ImportIssue]]:
    """Check a calendar spec and return it with defaults filled in, plus the errors found.

    Each error's ``column`` is the JSON path of the bad value (``periods[2].weeks[0].weight``).
    """
    errors: list[ImportIssue] = []

    def err(path, message, value=None):
        errors.append(
            ImportIssue(
                file=filename,
                column=path,
                code="invalid_calendar",
                message=message,
                value=None if value is None else str(value),
            )
        )

    if not isinstance(obj, dict):
        err("$", "The calendar must be a JSON object.")
        return None, errors
    periods = obj.get("periods", [])
    if not isinstance(periods, list):
        err("periods", "'periods' must be a list.")
        return None, errors
    seen: set[str] = set()
    out_periods = []
    for i, period in enumerate(periods):
        path = f"periods[{i}]"
        if not isinstance(period, dict) or not str(period.get("period") or "").strip():
            err(path, "Each period needs a non-empty 'period' key.")
            continue
        key = str(period["period"]).strip()
        if key in seen:
            err(f"{path}.period", "Period listed twice.", key)
        seen.add(key)
        start, end = _date(period.get("start_date")), _date(period.get("end_date"))
        for name, value in (("start_date", start), ("end_date", end)):
            if value is None:
                err(f"{path}.{name}", "Not a date (expected YYYY-MM-DD).", period.get(name))
        if start and end and end < start:
            err(f"{path}.end_date", "end_date is before start_date.", period.get("end_date"))
        weeks = period.get("weeks", [])
        if not isinstance(weeks, list):
            err(f"{path}.weeks", "'weeks' must be a list.")
            weeks = []
        out_weeks = []
        for j, week in enumerate(weeks):
            wpath = f"{path}.weeks[{j}]"
            if not isinstance(week, dict) or not str(week.get("week_code") or "").strip():
                err(wpath, "Each week needs a non-empty 'week_code'.")
                continue
            wstart, wend = _date(week.get("start_date")), _date(week.get("end_date"))
            for name, value in (("start_date", wstart), ("end_date", wend)):
                if value is None:
                    err(f"{wpath}.{name}", "Not a date (expected YYYY-MM-DD).", week.get(name))
            if wstart and wend and wend < wstart:
                err(f"{wpath}.end_date", "end_date is before start_date.", week.get("end_date"))
            sequence = week.get("sequence", j + 1)
            if isinstance(sequence, bool) or not isinstance(sequence, int):
                err(f"{wpath}.sequence", "'sequence' must be an integer.", sequence)
            weight = week.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                err(f"{wpath}.weight", "'weight' must be a number ≥ 0.", weight)
            out_weeks.append(
                {
                    **week,
                    "week_code": str(week["week_code"]).strip(),
                    "sequence": sequence,
                    "weight": float(weight) if isinstance(weight, int | float) else weight,
                }
            )
        out_periods.append({**period, "period": key, "weeks": out_weeks})
    calendar = {
        **obj,
        "calendar_type": obj.get("calendar_type", "custom"),
        "week_unit": obj.get("week_unit", "day"),
        "periods": out_periods,
    }
    if "planning_params" in obj and obj["planning_params"] is not None:
        _, perrors, _ = validate_params(obj["planning_params"], filename, path="planning_params")
        errors.extend(perrors)
    return (None if errors else calendar), errors


def validate_params(obj, filename: str, path: str = "$"):
    """Check planning params. Returns ``(params, errors, warnings)``; unknown keys warn."""
    errors: list[ImportIssue] = []
    warnings: list[ImportIssue] = []
    if not isinstance(obj, dict):
        errors.append(
            ImportIssue(
                file=filename, column=path, code="invalid_params", message="Must be a JSON object."
            )
        )
        return None, errors, warnings
    for key, value in obj.items():
        rule = PARAM_RULES.get(key)
        where = key if path == "$" else f"{path}.{key}"
        if rule is None:
            warnings.append(
                ImportIssue(
                    file=filename,
                    column=where,
                    code="unknown_param",
                    message="Unknown parameter; kept as is.",
                )
            )
            continue
        types, allowed = rule
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if ok and allowed is not None and value not in allowed:
            ok = False
        if ok and isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            ok = False
        if (
            ok
            and key in ("carryover_split", "blend_split_next")
            and value is not None
            and value > 1
        ):
            ok = False
        if ok and key == "cutover_date" and value is not None and _date(value) is None:
            ok = False
        if not ok:
            hint = f" Allowed: {', '.join(map(str, allowed))}." if allowed else ""
            errors.append(
                ImportIssue(
                    file=filename,
                    column=where,
                    code="invalid_param",
                    message=f"Invalid value for '{key}'.{hint}",
                    value=str(value),
                )
            )
    return obj, errors, warnings


def calendar_keys(calendar: dict | None) -> tuple[set[str], set[str]]:
    """``(periods, week_codes)`` defined by a calendar (empty sets without one)."""
    if not calendar:
        return set(), set()
    periods = {p["period"] for p in calendar.get("periods", [])}
    weeks = {w["week_code"] for p in calendar.get("periods", []) for w in p.get("weeks", [])}
    return periods, weeks

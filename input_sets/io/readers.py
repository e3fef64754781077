"""Parse and validate the files of a bundle into one DataFrame per section.

Every row is checked (vectorised with pandas) and every problem becomes an
:class:`~input_sets.io.errors.ImportIssue` naming file, line, column and reason. Line numbers
count the header as line 1, as a spreadsheet shows them.
"""

import codecs
import io
import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..sections import (
    CALENDAR_FILE,
    META_FILE,
    METRIC_FILES,
    PARAMS_FILE,
    SECTIONS_BY_NAME,
    Column,
    Section,
    known_files,
    section_for_file,
)
from .bundle import InputBundle
from .encoding import (
    AUTO,
    Decoded,
    UndecodableFile,
    decode_text,
    describe_character,
    escape_invalid,
    invalid_code_characters,
)
from .errors import ImportIssue
from .hostile import (
    NUL,
    column_max_length,
    field_count_mismatches,
    json_bad_string,
    json_depth,
    json_too_deep_at,
    long_line,
    max_json_depth,
    max_line_bytes,
    nul_in_csv,
    wide_text_unlikely,
)
from .params import validate_calendar, validate_params
from .strict_checks import check_header, check_text, raw_header

# Per file, report at most this many errors of one kind; the rest are counted in one summary
# issue so a million bad rows cannot produce a million-line report.
MAX_ISSUES_PER_CODE = 200


@dataclass
class ParsedBundle:
    """Result of reading a bundle. ``frames`` holds only the sections whose files were present
    (``period_metric`` gathers period_cost/period_score/period_metric). ``lines`` keeps, per
    section, the source ``file`` and ``line`` of each row (same index as the frame) for
    set-level checks that run after parsing."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, pd.DataFrame] = field(default_factory=dict)
    calendar: dict | None = None
    calendar_given: bool = False
    params: dict | None = None
    meta: dict | None = None
    files: list[dict] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)


class _Collector:
    """Collects issues for one file, capping repeats of one code."""

    def __init__(self, filename: str, errors: list, warnings: list):
        self.filename = filename
        self.errors = errors
        self.warnings = warnings
        self.counts: dict[str, int] = {}

    def add(self, code, message, *, line=None, column=None, value=None, warning=False):
        target = self.warnings if warning else self.errors
        n = self.counts.get(code, 0) + 1
        self.counts[code] = n
        if n <= MAX_ISSUES_PER_CODE:
            target.append(
                ImportIssue(
                    file=self.filename,
                    line=None if line is None else int(line),
                    column=None if column is None else str(column)[:200],
                    code=code,
                    message=message,
                    value=None if value is None else str(value)[:200],
                )
            )

    def add_rows(self, mask: pd.Series, lines: pd.Series, values: pd.Series, code, message, column):
        if not mask.any():
            return
        for line, value in zip(lines[mask].tolist(), values[mask].tolist(), strict=True):
            self.add(code, message, line=line, column=column, value=value)

    def finish(self):
        for code, n in self.counts.items():
            if n > MAX_ISSUES_PER_CODE:
                self.errors.append(
                    ImportIssue(
                        file=self.filename,
                        code="too_many_issues",
                        message=f"{n - MAX_ISSUES_PER_CODE} more '{code}' issues not listed.",
                    )
                )


def parse_bundle(bundle: InputBundle, *, encoding: str = AUTO) -> ParsedBundle:
    """Decode, parse and validate every file of ``bundle`` (row-level rules only).

    ``encoding`` applies to the CSV files: ``"auto"`` (UTF-8 with or without BOM, then CP932,
    then a guess reported as an ``encoding_guessed`` warning) or a Python codec name used
    strictly (a file it does not decode is an ``encoding_error`` naming the line). JSON files
    are always read in ``auto`` mode (JSON is UTF-8 by RFC 8259). Unknown files are warnings.
    A bundle without a single recognised file is an error.
    """
    parsed = ParsedBundle()
    known = known_files()
    metric_parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    for filename, raw in sorted(bundle.files.items()):
        if filename not in known:
            parsed.warnings.append(
                ImportIssue(
                    file=filename,
                    code="unknown_file",
                    message="File name is not part of the input layout; it was not imported.",
                )
            )
            continue
        collector = _Collector(filename, parsed.errors, parsed.warnings)
        is_json = filename.endswith(".json")
        if not is_json and _line_too_long(raw, collector):
            continue
        try:
            decoded = _decode(raw, AUTO if is_json else encoding)
        except UndecodableFile as exc:
            collector.add("encoding_error", str(exc), line=exc.line, value=exc.value)
            continue
        text = decoded.text
        if NUL in text:
            _nul_byte(text, is_json, collector)
            continue
        if decoded.guessed:
            collector.add(
                "encoding_guessed",
                "Neither UTF-8 nor Shift_JIS/CP932; the encoding was guessed as "
                f"{decoded.encoding}. Check the imported text, or choose the encoding "
                "explicitly.",
                value=decoded.encoding,
                warning=True,
            )
        parsed.files.append({"file": filename, "encoding": decoded.encoding, "bytes": len(raw)})
        if filename.endswith(".json"):
            _read_json(parsed, filename, text, collector)
            continue
        section = section_for_file(filename)
        frame, source = _read_csv(section, filename, text, collector)
        collector.finish()
        if frame is None:
            continue
        if section.name == "period_metric":
            metric_parts.append((frame, source))
        else:
            parsed.frames[section.name], parsed.sources[section.name] = frame, source
    if metric_parts:
        section = SECTIONS_BY_NAME["period_metric"]
        frame = pd.concat([f for f, _ in metric_parts], ignore_index=True)
        source = pd.concat([s for _, s in metric_parts], ignore_index=True)
        _check_duplicates(section, frame, source, parsed.errors)
        parsed.frames[section.name], parsed.sources[section.name] = frame, source
    if not parsed.files and not parsed.errors:
        parsed.errors.append(
            ImportIssue(
                file=bundle.name,
                code="no_input_files",
                message="No file of the input layout was found (demand_family.csv, capacity.csv, …).",
            )
        )
    return parsed


def _decode(raw: bytes, encoding: str):
    """:func:`decode_text`, except that in ``auto`` mode a file that is valid UTF-8 apart from
    a few NUL bytes (not UTF-16/32) is taken as UTF-8, so that the NULs are reported as such
    rather than leading to an encoding guess."""
    if encoding == AUTO and b"\x00" in raw and wide_text_unlikely(raw):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            return Decoded(text, "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8")
    return decode_text(raw, encoding=encoding)


def _line_too_long(raw: bytes, collector: _Collector) -> bool:
    limit = max_line_bytes()
    found = long_line(raw, limit)
    if found:
        collector.add(
            "line_too_long",
            f"Line is longer than {limit} bytes (INPUT_SETS_CSV_MAX_LINE_BYTES); a row of the "
            "layout is far shorter. Is this a CSV file with line breaks?",
            line=found.line,
            column=found.column,
            value=found.value,
        )
    return found is not None


def _nul_byte(text: str, is_json: bool, collector: _Collector) -> None:
    """Report the first NUL of ``text`` (its line and column) as ``nul_byte``."""
    if is_json:
        pos = text.find(NUL)
        line = text.count("\n", 0, pos) + 1
        column = f"char {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"
        found_value, count = None, text.count(NUL)
    else:
        found = nul_in_csv(text)
        line, column, found_value, count = found.line, found.column, found.value, found.detail
    collector.add(
        "nul_byte",
        f"The file holds {count} NUL byte(s), which no text file has (binary data, or UTF-16 "
        "saved without a byte order mark?); the first is here.",
        line=line,
        column=column,
        value=found_value,
    )


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number; numbers must be finite.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is out of range; numbers must be finite.")
    return value


def _read_json(parsed: ParsedBundle, filename: str, text: str, collector: _Collector) -> None:
    limit = max_json_depth()
    try:
        obj = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        collector.add("invalid_json", exc.msg, line=exc.lineno, column=f"char {exc.colno}")
        return
    except RecursionError:
        obj = None  # nested past the parser's own limit: reported below
    except ValueError as exc:  # non-finite number, an integer of more than 4300 digits
        collector.add("invalid_json", str(exc))
        return
    if obj is None and text.strip() != "null" or json_depth(obj) > limit:
        found = json_too_deep_at(text, limit)
        collector.add(
            "json_too_deep",
            f"JSON nested deeper than {limit} levels (INPUT_SETS_JSON_MAX_DEPTH).",
            line=found.line if found else None,
            column=found.column if found else None,
            value=found.value if found else None,
        )
        return
    bad = json_bad_string(obj)
    if bad:
        path, kind = bad
        if kind == "nul":
            collector.add(
                "nul_byte", "Text holds a NUL character (\\u0000).", column=escape_invalid(path)
            )
        else:
            collector.add(
                "invalid_character",
                "Text holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not "
                "a character.",
                column=escape_invalid(path),
            )
        return
    if filename == CALENDAR_FILE:
        parsed.calendar_given = True
        parsed.calendar, issues = validate_calendar(obj, filename)
        parsed.errors.extend(issues)
    elif filename == PARAMS_FILE:
        parsed.params, issues, warnings = validate_params(obj, filename)
        parsed.errors.extend(issues)
        parsed.warnings.extend(warnings)
    elif filename == META_FILE:
        if isinstance(obj, dict):
            parsed.meta = obj
        else:
            collector.add("invalid_json", "input_set_meta.json must hold a JSON object.")


def _read_csv(section: Section, filename: str, text: str, collector: _Collector):
    """Return ``(frame, source)`` or ``(None, None)`` when the file is unusable."""
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        collector.add("empty_file", "The file is empty (a header row is required).")
        return None, None
    except pd.errors.ParserError as exc:
        if not _column_count_mismatch(text, collector):
            collector.add("malformed_csv", str(exc).strip())
        return None, None
    if not isinstance(raw.index, pd.RangeIndex):
        # The first row has more fields than the header: pandas made the extra leading
        # fields the row index (and would shift every column).
        if not _column_count_mismatch(text, collector):
            collector.add(
                "column_count_mismatch",
                "The first row has more fields than the header (an unquoted 1,000 or a stray "
                "comma?).",
                line=2,
            )
        return None, None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    columns = _columns_for_file(section, filename)
    if not check_header(text, columns, collector):
        return None, None
    mapping = _map_headers(columns, list(raw.columns), collector)
    if mapping is None:
        return None, None
    needs_strip = re.search(r"[^\S\n]", text) is not None
    stripped = {
        header: (raw[header].str.strip() if needs_strip else raw[header])
        for header in set(mapping.values())
    }
    blank = np.ones(len(raw), dtype=bool)
    for values in stripped.values():
        blank &= values.eq("").to_numpy()
    keep = ~blank
    lines = pd.Series(raw.index.to_numpy()[keep] + 2, index=raw.index[keep])
    out = {}
    for column in columns:
        header = mapping.get(column.field)
        values = stripped[header][keep] if header else pd.Series("", index=lines.index)
        out[column.field] = _convert(
            column, header, values, lines, collector, column_max_length(section, column)
        )
    frame = pd.DataFrame(out, index=lines.index)
    metric_code = METRIC_FILES.get(filename)
    if metric_code:
        frame["metric_code"] = metric_code
    if section.name == "inbound":
        frame["po_id"] = derive_po_ids(frame)
    frame = frame[section.fields].reset_index(drop=True)
    source = pd.DataFrame({"file": filename, "line": lines.to_numpy()})
    if not metric_code:
        _check_duplicates(section, frame, source, collector.errors)
    return frame, source


def _column_count_mismatch(text: str, collector: _Collector) -> bool:
    """Report every record with more fields than the header (exact ``csv`` pass, capped);
    ``False`` when there is none (the caller reports the parser's own error)."""
    found, error = field_count_mismatches(text, MAX_ISSUES_PER_CODE + 1)
    for finding in found:
        collector.add(
            "column_count_mismatch",
            f"Row {finding.line} has {finding.detail} fields but the header has "
            f"{len(raw_header(text))}: an unquoted thousands separator (1,000) or a stray comma "
            'shifts the columns. Quote such values ("1,000") or remove the separator.',
            line=finding.line,
            column=finding.column,
            value=finding.value,
        )
    if error and not found:
        collector.add("malformed_csv", error)
        return True
    return bool(found)


def _columns_for_file(section: Section, filename: str) -> list[Column]:
    metric_code = METRIC_FILES.get(filename)
    if not metric_code:
        return list(section.columns)
    # period_cost.csv: "cost" holds the value; metric code comes from the file name.
    value = section.column("value")
    value = Column(value.field, metric_code, "float", ("value",), required=True)
    return [c if c.field != "value" else value for c in section.columns if c.field != "metric_code"]


def _map_headers(columns: list[Column], headers: list[str], collector: _Collector):
    mapping: dict[str, str] = {}
    for column in columns:
        found = next((h for h in column.accepted_headers if h.lower() in headers), None)
        if found:
            mapping[column.field] = found.lower()
        elif column.required:
            collector.add(
                "missing_column",
                f"Required column '{column.header}' is missing "
                f"(accepted names: {', '.join(column.accepted_headers)}).",
                line=1,
                column=column.header,
            )
    if len(mapping) < sum(c.required for c in columns):
        return None
    for header in headers:
        if header not in mapping.values():
            collector.add(
                "unknown_column",
                "Column is not part of the layout; it was ignored.",
                line=1,
                column=header,
                warning=True,
            )
    return mapping


def _convert(
    column: Column, header, values: pd.Series, lines: pd.Series, c: _Collector, max_length=None
):
    """One column's cells → typed values, reporting each bad cell on ``c``. ``max_length``
    (characters) bounds text cells (``value_too_long``)."""
    name = header or column.header
    empty = values.eq("")
    if column.required:
        c.add_rows(empty, lines, values, "required", "A value is required.", name)
    if column.kind == "float":
        numbers = pd.to_numeric(values.where(~empty), errors="coerce").astype("float64")
        bad = ~empty & (numbers.isna() | ~np.isfinite(numbers.fillna(0)))
        c.add_rows(bad, lines, values, "not_a_number", "Not a number.", name)
        numbers = numbers.where(~bad)
        if column.minimum is not None:
            low = (
                numbers <= column.minimum if column.exclusive_minimum else numbers < column.minimum
            )
            message = (
                f"Must be greater than {column.minimum:g}."
                if column.exclusive_minimum
                else "Must not be negative."
                if column.minimum == 0
                else f"Must be at least {column.minimum:g}."
            )
            code = (
                "negative" if column.minimum == 0 and not column.exclusive_minimum else "too_small"
            )
            c.add_rows(low.fillna(False), lines, values, code, message, name)
        if column.maximum is not None:
            high = (numbers > column.maximum).fillna(False)
            c.add_rows(
                high, lines, values, "too_large", f"Must be at most {column.maximum:g}.", name
            )
        if column.default is not None:
            numbers = numbers.where(~empty, float(column.default))
        return numbers
    if column.kind == "date":
        parsed = pd.to_datetime(values.where(~empty), format="%Y-%m-%d", errors="coerce")
        bad = ~empty & parsed.isna()
        c.add_rows(bad, lines, values, "invalid_date", "Not a date (expected YYYY-MM-DD).", name)
        return parsed.dt.strftime("%Y-%m-%d").where(~parsed.isna(), None).astype(object)
    if max_length is not None:
        too_long = values.str.len().gt(max_length)
        c.add_rows(
            too_long,
            lines,
            values.where(values.str.len() <= 60, values.str.slice(0, 60) + "…"),
            "value_too_long",
            f"Longer than {max_length} characters, the limit of this column.",
            name,
        )
    values = check_text(column, values, lines, c, name)
    if column.is_code:
        _check_characters(values, lines, c, name)
    if column.choices:
        bad = ~empty & ~values.isin(column.choices)
        c.add_rows(
            bad,
            lines,
            values,
            "invalid_choice",
            f"Must be one of {', '.join(column.choices)}.",
            name,
        )
    if column.default is not None:
        values = values.where(~empty, column.default)
    return values.astype(object)


def _check_characters(values: pd.Series, lines: pd.Series, c: _Collector, name: str) -> None:
    """``invalid_character`` for codes holding U+FFFD (the mark of a wrongly decoded file) or
    control/invisible format characters; the value is reported with those as ``\\uXXXX``."""
    found = invalid_code_characters(values)
    for idx in found[found.notna()].index:
        c.add(
            "invalid_character",
            f"Codes may not contain {describe_character(found.at[idx])} (control characters "
            "and U+FFFD, the mark of a wrongly decoded file, are refused).",
            line=lines.at[idx],
            column=name,
            value=escape_invalid(str(values.at[idx])),
        )


def derive_po_ids(frame: pd.DataFrame) -> pd.Series:
    """PO ids for rows without one: ``<item>:<due>:<n>``, n counting same item+due rows in file
    order, so two orders due the same day stay distinct (the reference collapsed them)."""
    given = frame["po_id"].astype(str).str.strip()
    missing = given.eq("")
    if not missing.any():
        return given
    subset = frame.loc[missing, ["item_code", "due_date"]]
    n = subset.groupby(["item_code", "due_date"], sort=False).cumcount() + 1
    derived = subset["item_code"] + ":" + subset["due_date"] + ":" + n.astype(str)
    return given.where(~missing, derived)


def _check_duplicates(section: Section, frame, source, errors: list) -> None:
    key = list(section.key)
    keys = frame[key].astype(str)
    dup = keys.duplicated(keep="first")
    if not dup.any():
        return
    first_line = source["line"].groupby([keys[k] for k in key], dropna=False).transform("first")
    for idx in np.flatnonzero(dup.to_numpy())[:MAX_ISSUES_PER_CODE]:
        values = ", ".join(f"{k}={frame.at[idx, k]}" for k in key)
        errors.append(
            ImportIssue(
                file=str(source.at[idx, "file"]),
                line=int(source.at[idx, "line"]),
                column=section.column(key[0]).header,
                code="duplicate_key",
                message=f"Duplicate row ({values}); first seen on line {int(first_line.iat[idx])}.",
                value=values,
            )
        )

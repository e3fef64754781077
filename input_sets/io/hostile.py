"""Checks against hostile or broken files (issue 15, item 3: "no 5xx on any input").

Each finding is one import error in the usual shape ``{file, line, column, code, message,
value}`` and, like every import error, rejects the whole import (nothing is written). The
checks run before (or instead of) the expensive parsing, so a hostile file costs little:

- ``line_too_long``: a CSV line longer than ``INPUT_SETS_CSV_MAX_LINE_BYTES`` bytes (default
  1 MiB; a row of the layout is well under 1 KiB). Checked on the raw bytes, before decoding.
  ``column`` is the CSV column in which the limit is crossed.
- ``nul_byte``: a NUL character in a CSV file (no text file holds one; PostgreSQL cannot store
  it), or a ``\\u0000`` string in a JSON file. ``line``/``column`` of the first one.
- ``column_count_mismatch``: a CSV row with more fields than the header, e.g. an unquoted
  thousands separator (``KETTLE,2026-01,1,000``) that shifts the columns. Rows with fewer fields
  are accepted (the missing cells are empty). Found by a second, exact pass that only runs when
  the fast parser has already stumbled.
- ``value_too_long``: a text cell longer than its database column (``max_length`` of the model
  field, e.g. 100 characters for codes): :func:`column_max_length`.
- ``json_too_deep``: a JSON file nested deeper than ``INPUT_SETS_JSON_MAX_DEPTH`` containers
  (default 20; a calendar needs 5). ``RecursionError`` of the JSON parser is caught and
  reported the same way.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from ..sections import Column, Section
from .encoding import escape_invalid

NUL = "\x00"
# UTF-16/32 byte order marks: such a file legitimately holds NUL bytes (of its code units).
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A UTF-16/32 file without BOM has a NUL in about every second (fourth) byte of ASCII text; a
# text file damaged by a few NULs has far fewer. Below this share, NULs are reported as such.
_NUL_SHARE_OF_TEXT = 0.1
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


@dataclass(frozen=True)
class Finding:
    """Where a check failed: 1-based ``line``, ``column`` (CSV header name, JSON ``char N``
    or path; ``None`` when unknown), the offending ``value`` (escaped, short) and ``detail``
    (a number for the message: a length, a count or a depth)."""

    line: int | None
    column: str | None
    value: str | None = None
    detail: int = 0


def max_line_bytes() -> int:
    """``INPUT_SETS_CSV_MAX_LINE_BYTES`` (bytes per CSV line, default 1 MiB)."""
    return int(settings.INPUT_SETS_CSV_MAX_LINE_BYTES)


def max_json_depth() -> int:
    """``INPUT_SETS_JSON_MAX_DEPTH`` (nested arrays/objects per JSON file, default 20)."""
    return int(settings.INPUT_SETS_JSON_MAX_DEPTH)


def allow_csv_fields(chars: int) -> None:
    """Let the ``csv`` module read fields of ``chars`` characters (its default is 128 KiB).
    Process-wide, only ever raised."""
    if csv.field_size_limit() < chars:
        csv.field_size_limit(chars)


def text_lines(text: str) -> Iterator[str]:
    """Lines of ``text`` one at a time, each with its line break (``\\r\\n``, ``\\r`` or
    ``\\n``, as pandas splits them), lazily and without copying the whole text, for
    ``csv.reader``."""
    for match in _LINE.finditer(text):
        yield match.group()


def long_line(raw: bytes, limit: int) -> Finding | None:
    """The first line of ``raw`` longer than ``limit`` bytes (``\\n`` or ``\\r`` end a line),
    or ``None``. Linear time: each step jumps to the last line break within ``limit + 1`` bytes,
    so a file of short lines takes about ``len(raw) / limit`` steps. ``detail`` is the limit;
    ``column`` the CSV column (by the header) in which the limit is crossed."""
    if len(raw) <= limit:
        return None
    start = 0
    while len(raw) - start > limit:
        window_end = start + limit + 1
        brk = max(raw.rfind(b"\n", start, window_end), raw.rfind(b"\r", start, window_end))
        if brk < 0:
            line = raw.count(b"\n", 0, start) + 1
            prefix = raw[start : start + limit].decode("utf-8", errors="replace")
            column = None if line == 1 else _field_name(raw, prefix)
            return Finding(line, column, value=escape_invalid(prefix[:60]) + "…", detail=limit)
        start = brk + 1
    return None


def _field_name(raw: bytes, prefix: str) -> str | None:
    """Header name of the CSV field that ``prefix`` (the start of one line) ends in."""
    allow_csv_fields(len(prefix) + 1)
    try:
        fields = next(csv.reader([prefix]), [""])
        first = raw[: raw.find(b"\n")] if b"\n" in raw else raw[:4096]
        header = next(csv.reader([first[:65536].decode("utf-8", errors="replace")]), [])
    except csv.Error:
        return None
    index = max(len(fields) - 1, 0)
    header = [h.lstrip("\ufeff").strip().lower() for h in header]
    return header[index] if index < len(header) else f"field {index + 1}"


def wide_text_unlikely(raw: bytes) -> bool:
    """``True`` when NUL bytes in ``raw`` cannot be explained by UTF-16/32: no such BOM and
    fewer NULs than :data:`_NUL_SHARE_OF_TEXT` of the bytes."""
    if raw.startswith(_WIDE_BOMS):
        return False
    return raw.count(b"\x00") < _NUL_SHARE_OF_TEXT * len(raw)


def nul_in_csv(text: str) -> Finding | None:
    """The first NUL of a decoded CSV ``text``: its line, column (by the header) and the
    line's start with the NUL written ``\\u0000``; ``detail`` is the number of NULs."""
    pos = text.find(NUL)
    if pos < 0:
        return None
    line_start = text.rfind("\n", 0, pos) + 1
    line = text.count("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    excerpt = text[line_start : line_end if line_end >= 0 else len(text)][:120]
    column = None
    header_end = text.find("\n")
    allow_csv_fields(pos - line_start + 1)
    try:
        fields = next(csv.reader([text[line_start:pos]]), [""])
        header = next(csv.reader([text[: header_end if header_end >= 0 else len(text)]]), [])
    except csv.Error:
        fields, header = [""], []
    index = max(len(fields) - 1, 0)
    if index < len(header):
        column = escape_invalid(header[index].lstrip("\ufeff").strip().lower())
    return Finding(line, column, value=escape_invalid(excerpt), detail=text.count(NUL))


def field_count_mismatches(text: str, limit: int) -> tuple[list[Finding], str | None]:
    """CSV records of ``text`` with more fields than the header: ``(findings, error)``.

    Each finding's ``line`` is the record's first line, ``column`` the header's last column
    (where the shifted values show), ``value`` the record, ``detail`` its field count. At most
    ``limit`` findings. ``error`` is the ``csv`` module's message when the text is not
    readable as CSV at all (then ``findings`` holds those found before it). Only called on the
    slow path (the fast parser already failed), so it may read every record."""
    allow_csv_fields(len(text) + 1)
    reader = csv.reader(text_lines(text))
    findings: list[Finding] = []
    try:
        header = next(reader, None)
        if header is None:
            return [], None
        width = len(header)
        last = header[-1].lstrip("\ufeff").strip().lower() if header else None
        line = reader.line_num + 1
        for record in reader:
            if len(record) > width:
                findings.append(
                    Finding(
                        line, last, value=escape_invalid(",".join(record))[:200], detail=len(record)
                    )
                )
                if len(findings) >= limit:
                    break
            line = reader.line_num + 1
    except csv.Error as exc:
        return findings, f"line {reader.line_num}: {exc}"
    return findings, None


def column_max_length(section: Section, column: Column) -> int | None:
    """``max_length`` of the model field behind a text ``column`` (``None`` when the field has
    none, e.g. a ``TextField``). The import refuses longer cells as ``value_too_long`` instead
    of letting the database refuse (PostgreSQL) or silently store them (SQLite)."""
    if column.kind != "str":
        return None
    field = section.model._meta.get_field(column.field)
    return getattr(field, "max_length", None)


def json_depth(obj) -> int:
    """Nesting depth of a parsed JSON value: 0 for a scalar, 1 for ``[]`` or ``{}``, …
    Iterative (no recursion), stops counting past :func:`max_json_depth` + 1."""
    cap = max_json_depth() + 1
    deepest = 0
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth >= cap:
                return deepest
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return deepest


def json_too_deep_at(text: str, limit: int) -> Finding | None:
    """Where ``text`` first opens its ``limit + 1``-th nested container: ``line`` and
    ``column`` (``char N``, 1-based as the JSON parser reports). Brackets inside strings do
    not count. Linear: only the bracket, quote and backslash characters are visited."""
    depth = 0
    in_string = False
    skip = -1
    for match in _JSON_SPECIAL.finditer(text):
        pos = match.start()
        if pos == skip:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                skip = pos + 1
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, pos) + 1
                column = pos - (text.rfind("\n", 0, pos) + 1) + 1
                return Finding(line, f"char {column}", value=text[pos : pos + 20], detail=limit)
        elif char in "]}":
            depth -= 1
    return None


def json_bad_string(obj) -> tuple[str, str] | None:
    """``(path, kind)`` of the first string (key or value) of a parsed JSON value that the
    database cannot store: ``kind`` is ``"nul"`` (``\\u0000``) or ``"surrogate"`` (a lone
    ``\\ud800``-``\\udfff`` escape, not UTF-8). Paths as ``periods[2].weeks[0].week_code``.
    Iterative; call after the depth check."""
    stack: list[tuple[object, str]] = [(obj, "$")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return path, "nul"
            if _SURROGATE.search(value):
                return path, "surrogate"
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = key if path == "$" else f"{path}.{key}"
                stack.append((key, child_path))
                stack.append((child, child_path))
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(value))
    return None

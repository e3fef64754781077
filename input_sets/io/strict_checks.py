"""Strict import checks of issue 15: duplicate header columns and formula-like codes.

Both rules report in the import's normal issue shape ``{file, line, column, code, message,
value}`` (:class:`~input_sets.io.errors.ImportIssue`) and, like every import error, reject the
whole import (nothing is written).

- ``duplicate_column`` (line 1): a header names the same column twice (``demand,demand``;
  compared case-insensitively after trimming), or two names that map to one column after alias
  mapping (``sku`` and ``sku_code``). pandas' ``read_csv`` silently renames a repeated header to
  ``demand.1``, so the raw header row is read here with the ``csv`` module.
- ``formula_like_code``: a code (``Column.is_code``: family, SKU, item, resource, node, PO id,
  BOM parent/child, period, metric, …) or the input set label begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return, which a spreadsheet would run as a formula (OWASP "CSV
  Injection"). Free-text columns (``Column.free_text``) are accepted and neutralised on export.
- Every text column first loses the export's escape (``planning_hub.spreadsheet``): a leading
  ``'`` directly followed by a formula character is removed, so an exported set re-imports with
  the same values and content hash. ``'=X`` in a code column is therefore refused as ``=X``.
"""

import csv

import pandas as pd

from planning_hub.spreadsheet import formula_like_mask, is_formula_like, unescape_series

from ..sections import Column
from .errors import ImportIssue
from .hostile import allow_csv_fields, max_line_bytes, text_lines

FORMULA_MESSAGE = (
    "Codes must not begin with =, +, -, @, a tab or a carriage return "
    "(a spreadsheet would run them as a formula)."
)


def raw_header(text: str) -> list[str]:
    """The first CSV record of ``text``, names trimmed and lower-cased (``[]`` if none, or if
    the ``csv`` module cannot read it: the pandas parse then reports the file)."""
    allow_csv_fields(max_line_bytes() + 1)
    try:
        row = next(csv.reader(text_lines(text)), [])
    except csv.Error:
        return []
    return [name.lstrip("\ufeff").strip().lower() for name in row]


def check_header(text: str, columns: list[Column], collector) -> bool:
    """Report ``duplicate_column`` issues on ``collector`` (the reader's per-file collector:
    ``add(code, message, *, line, column, value)``). Returns ``False`` when the file must not
    be read further. Empty names (trailing commas) are not compared."""
    header = raw_header(text)
    ok = True
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(header, start=1):
        if name:
            seen.setdefault(name, []).append(position)
    for name, positions in seen.items():
        if len(positions) > 1:
            ok = False
            collector.add(
                "duplicate_column",
                f"Column '{name}' appears {len(positions)} times in the header "
                f"(positions {', '.join(map(str, positions))}); keep one.",
                line=1,
                column=name,
                value=name,
            )
    for column in columns:
        names = [h for h in dict.fromkeys(h.lower() for h in column.accepted_headers) if h in seen]
        if len(names) > 1:
            ok = False
            collector.add(
                "duplicate_column",
                f"Columns {' and '.join(names)} are both names of '{column.header}'; keep one.",
                line=1,
                column=column.header,
                value=", ".join(names),
            )
    return ok


def check_text(
    column: Column, values: pd.Series, lines: pd.Series, collector, name: str
) -> pd.Series:
    """Unescape one text column and refuse formula-like codes.

    ``values``: the trimmed cell strings, ``lines``: their line numbers (same index), ``name``:
    the header as written in the file. Returns the unescaped values; each refused cell becomes a
    ``formula_like_code`` error via ``collector.add_rows``.
    """
    values = unescape_series(values)
    if column.is_code:
        collector.add_rows(
            formula_like_mask(values), lines, values, "formula_like_code", FORMULA_MESSAGE, name
        )
    return values


def check_label(label: str) -> ImportIssue | None:
    """A ``formula_like_code`` issue when the input set label begins with a formula character
    (the label format allows a leading ``-``), else ``None``."""
    if not is_formula_like(label):
        return None
    return ImportIssue(
        file="-",
        column="label",
        code="formula_like_code",
        message="Labels must not begin with =, +, -, @, a tab or a carriage return "
        "(a spreadsheet would run them as a formula).",
        value=label,
    )

"""Spreadsheet formula injection (CSV injection): detection and neutralisation of cell text.

Rule source: issue 15 and OWASP "CSV Injection"
(https://owasp.org/www-community/attacks/CSV_Injection). A spreadsheet program treats a cell
whose text begins with ``=``, ``+``, ``-``, ``@``, a tab (0x09) or a carriage return (0x0D) as a
formula, so a value such as ``=HYPERLINK("http://x")`` written to a CSV runs when the file is
opened. OWASP's mitigation is to prefix such a cell with a single quote ``'``, which spreadsheets
read as "this cell is text" and do not display.

- Codes (family, SKU, item, …) that begin with one of these characters are refused at import
  (``input_sets.io.strict_checks``); free text is accepted and neutralised on the way out.
- Every CSV meant for spreadsheets passes its text cells through :func:`neutralise_formula`
  (or :func:`neutralise_series` for a pandas column).
- Input-set exports must stay lossless, so the importer undoes the escape with
  :func:`unescape_series`: a leading ``'`` directly followed by one of the formula characters is
  removed. Import → export → import therefore gives back the same values (and content hash);
  a value that itself began with ``'=`` is stored without the quote, as a spreadsheet shows it.

Only ``str`` values change; numbers, ``None`` and other objects pass through untouched, so a
negative number stays a number.
"""

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_ESCAPED_PREFIXES = tuple(ESCAPE + p for p in FORMULA_PREFIXES)


def is_formula_like(value) -> bool:
    """``True`` when ``value`` is a ``str`` beginning with one of :data:`FORMULA_PREFIXES`."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise_formula(value):
    """``"=1+2"`` → ``"'=1+2"``; any other value (including non-strings) is returned as is."""
    return ESCAPE + value if is_formula_like(value) else value


def formula_like_mask(values: pd.Series) -> pd.Series:
    """Boolean Series: which string cells of ``values`` begin with a formula character."""
    return _startswith(values, FORMULA_PREFIXES)


def _startswith(values: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    try:
        return values.str.startswith(prefixes, na=False).astype(bool)
    except AttributeError:  # not a text column (e.g. object dtype holding numbers)
        return values.map(lambda v: isinstance(v, str) and v.startswith(prefixes)).astype(bool)


def neutralise_series(values: pd.Series) -> pd.Series:
    """:func:`neutralise_formula` applied to a text column (object or string dtype)."""
    mask = formula_like_mask(values)
    if not mask.any():
        return values
    return values.mask(mask, ESCAPE + values[mask])


def unescape_series(values: pd.Series) -> pd.Series:
    """Inverse of :func:`neutralise_series` on import: ``"'=1+2"`` → ``"=1+2"``. A ``'`` not
    followed by a formula character (``"'abc"``) is kept."""
    mask = _startswith(values, _ESCAPED_PREFIXES)
    if not mask.any():
        return values
    return values.mask(mask, values[mask].str.slice(1))

"""Text decoding for CSV/JSON files written by Excel and friends.

``auto`` (the default) decodes strictly in a fixed order: UTF-8 (a BOM, as Excel's "CSV UTF-8"
writes it, is stripped), then CP932 (Microsoft's superset of Shift_JIS that Excel in Japan
writes). Only when both fail is the encoding guessed with charset-normalizer, and the result
says so (``guessed=True``) so that the caller can warn. An explicit encoding is used as given
and nothing else is tried.

The reader also refuses codes holding U+FFFD (what a wrong decoding leaves behind) or control
and invisible format characters: :func:`invalid_code_characters`.
"""

import codecs
import functools
import re
import sys
import unicodedata
from dataclasses import dataclass

import pandas as pd
from charset_normalizer import from_bytes

AUTO = "auto"
# Detection only needs a sample; decoding uses the whole file.
_SAMPLE_BYTES = 256 * 1024
# Shift_JIS is decoded as CP932, its Microsoft superset that Excel actually writes.
_ALIASES = {"shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932"}
# A NUL never occurs in a CSV/JSON text file; it means UTF-16/32 or binary data, which the
# UTF-8 and CP932 codecs would otherwise "decode" without complaint.
_NUL = "\x00"
# Python's cp932 maps the single bytes 0x80, 0xA0 and 0xFD-0xFF, which are not Shift_JIS and
# which Excel never writes (0xFF 0xFE is a UTF-16 BOM), to U+0080 and U+F8F0-U+F8F3.
_NOT_SHIFT_JIS = re.compile("[\x00\x80\uf8f0-\uf8f3]")

# Explicit encodings offered by the hub and API upload forms besides "auto": (value, label).
# The CLI accepts any text encoding Python knows.
ENCODING_CHOICES = (
    ("utf-8", "UTF-8"),
    ("cp932", "Shift_JIS (CP932)"),
    ("euc-jp", "EUC-JP"),
    ("utf-16", "UTF-16"),
    ("latin-1", "Latin-1 (ISO-8859-1)"),
)


class UndecodableFile(ValueError):
    """The bytes are not text in the requested (or any recognisable) encoding.

    ``line`` is the 1-based line of the first byte that does not decode (``None`` when
    unknown), ``value`` the offending bytes in hex (``"0x82 0xa0"``).
    """

    def __init__(self, message: str, *, line: int | None = None, value: str | None = None):
        super().__init__(message)
        self.line = line
        self.value = value


@dataclass(frozen=True)
class Decoded:
    """A decoded file: ``text`` (without BOM), ``encoding`` (Python codec name as used, e.g.
    ``utf-8``, ``utf-8-sig``, ``cp932``) and ``guessed`` (charset-normalizer chose it)."""

    text: str
    encoding: str
    guessed: bool = False


def normalize_encoding(name: str | None) -> str:
    """``"auto"`` or the name of a Python text encoding, as given (lower-cased, stripped).

    Raises :class:`ValueError` for an unknown codec or one that is not a text encoding
    (``base64``, ``rot13``, …).
    """
    name = (name or AUTO).strip().lower()
    if name == AUTO:
        return AUTO
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"Unknown text encoding '{name}'.") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"'{name}' is not a text encoding.")
    return name


def decode_text(raw: bytes, *, encoding: str = AUTO) -> Decoded:
    """Decode ``raw`` bytes.

    ``encoding="auto"``: UTF-8 (BOM stripped), then CP932, then a charset-normalizer guess
    (``guessed=True``). Any other value: exactly that codec, strictly; a leading BOM
    (U+FEFF) is stripped.

    Raises :class:`UndecodableFile` (with the line of the first bad byte) when the explicit
    encoding does not decode the whole file, or when in ``auto`` mode nothing does.
    """
    encoding = normalize_encoding(encoding)
    if encoding != AUTO:
        codec = "utf-8-sig" if _is_utf8(encoding) else encoding
        return Decoded(_strict(raw, codec, name=encoding), encoding)
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(_strict(raw, "utf-8-sig"), "utf-8-sig")
        except UndecodableFile as exc:
            raise UndecodableFile(
                f"The file starts with a UTF-8 BOM but is not valid UTF-8: {exc}",
                line=exc.line,
                value=exc.value,
            ) from exc
    first_error = None
    for candidate in ("utf-8", "cp932"):
        try:
            text = _strict(raw, candidate)
        except UndecodableFile as exc:
            first_error = first_error or exc
            continue
        bad = _NUL in text if candidate == "utf-8" else _NOT_SHIFT_JIS.search(text)
        if not bad:
            return Decoded(text, candidate)
        first_error = first_error or UndecodableFile(
            f"Not plausible as {candidate}: it holds NUL or other bytes no text file of that "
            "encoding has (UTF-16 or binary data?)."
        )
    best = from_bytes(raw[:_SAMPLE_BYTES]).best()
    if best is None:
        raise UndecodableFile(
            "The file is neither UTF-8 nor Shift_JIS/CP932 and its encoding could not be "
            f"detected (first problem: {first_error}); choose the encoding explicitly.",
            line=first_error.line if first_error else None,
            value=first_error.value if first_error else None,
        )
    guessed = _ALIASES.get(best.encoding, best.encoding)
    return Decoded(_strict(raw, guessed), guessed, guessed=True)


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name == "utf-8"


def _strict(raw: bytes, encoding: str, *, name: str | None = None) -> str:
    try:
        text = raw.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        line, char = _position(raw, exc.start, encoding)
        bad = " ".join(f"0x{b:02x}" for b in raw[exc.start : min(exc.end, exc.start + 4)])
        raise UndecodableFile(
            f"Not valid {name or encoding}: {exc.reason} (bytes {bad} at line {line}, "
            f"character {char}).",
            line=line,
            value=bad,
        ) from exc
    return text[1:] if text.startswith("\ufeff") else text


def _position(raw: bytes, offset: int, encoding: str) -> tuple[int, int]:
    """1-based line and character of byte ``offset`` (the prefix before it decodes)."""
    prefix = raw[:offset].decode(encoding, errors="replace")
    return prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1


REPLACEMENT_CHARACTER = "\ufffd"
_REFUSED_CATEGORIES = ("Cc", "Cf")


def first_invalid_code_character(value: str) -> str | None:
    """The first U+FFFD, control (Cc: C0, DEL, C1) or invisible format (Cf: zero-width space,
    bidi overrides, a stray BOM, …) character of ``value``, or ``None``."""
    for char in value:
        if char == REPLACEMENT_CHARACTER or unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


@functools.cache
def _invalid_code_character() -> re.Pattern:
    """One character class of U+FFFD and every Cc/Cf character of the running Unicode
    database, as ranges (a class of single characters is ten times slower); built once."""
    points = [
        c
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in _REFUSED_CATEGORIES or chr(c) == REPLACEMENT_CHARACTER
    ]
    ranges: list[list[int]] = []
    for c in points:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    parts = (re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return re.compile("[" + "".join(parts) + "]")


def invalid_code_characters(values: pd.Series) -> pd.Series:
    """For each string cell of ``values``, :func:`first_invalid_code_character` (missing,
    i.e. ``notna()`` is false, when the cell is clean). Index as ``values``. A cheap printable-ASCII test skips most cells;
    only the others are searched for the refused characters."""
    text = values.astype(str)
    found = pd.Series(None, index=values.index, dtype=object)
    candidates = text.str.contains(r"[^\x20-\x7e]", regex=True)
    if candidates.any():
        text = text[candidates]
        bad = text.str.contains(_invalid_code_character(), regex=True)
        if bad.any():
            found[bad[bad].index] = text[bad].map(first_invalid_code_character)
    return found


def describe_character(char: str) -> str:
    """``"U+FFFD REPLACEMENT CHARACTER"``; control characters have no name: ``"U+0000"``."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def escape_invalid(value: str) -> str:
    """``value`` with every character a code may not hold written as ``\\uXXXX`` (safe to
    print to a terminal or log)."""
    return "".join(
        f"\\u{ord(char):04x}" if first_invalid_code_character(char) else char for char in value
    )

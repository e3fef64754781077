"""Text decoding for CSV/JSON files written by Excel and friends.

UTF-8 (with or without BOM) is tried first because it is strict and cheap; anything else goes
to charset-normalizer, which recognises Shift_JIS/CP932 as written by Excel in Japan.
"""

import codecs

from charset_normalizer import from_bytes

# Detection only needs a sample; decoding uses the whole file.
_SAMPLE_BYTES = 256 * 1024
# Shift_JIS is decoded as CP932, its Microsoft superset that Excel actually writes.
_ALIASES = {"shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932"}


class UndecodableFile(ValueError):
    """The bytes are not text in any encoding we can recognise."""


def decode_text(raw: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``raw`` bytes.

    Raises :class:`UndecodableFile` when no encoding decodes the whole file.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:_SAMPLE_BYTES]).best()
    if best is None:
        raise UndecodableFile("could not detect the text encoding")
    encoding = _ALIASES.get(best.encoding, best.encoding)
    try:
        return raw.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise UndecodableFile(f"could not decode as {encoding}: {exc}") from exc

"""Problems found while reading an input bundle."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ImportIssue:
    """One error or warning: ``file``, ``line`` (1-based, header = line 1; ``None`` for
    file-level issues), ``column`` (CSV header or JSON path), ``code`` (stable, machine
    readable), ``message`` (human readable, English) and the offending ``value``."""

    file: str
    code: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

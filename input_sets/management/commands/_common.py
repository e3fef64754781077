"""Helpers shared by the input-set management commands (output, JSON, errors)."""

import sys

from planning_hub.commands import fail, print_json  # noqa: F401 — shared by every app


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        self.stream.write(f"\r{stage:<6} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if stage == "done" or done >= total:
            self.stream.write("\n")
        self.stream.flush()

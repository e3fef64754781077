"""Helpers shared by every app's management commands (output, JSON, errors)."""

import json

from django.core.management.base import CommandError


def print_json(command, payload) -> None:
    """Write ``payload`` as indented JSON (non-ASCII kept, dates as strings) to stdout."""
    command.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def fail(message: str) -> CommandError:
    """A CommandError with exit code 1 (the runbook's convention for every failure)."""
    return CommandError(message, returncode=1)

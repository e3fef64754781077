"""Database helpers for long-lived worker processes."""

from django.db import close_old_connections as _close_old_connections
from django.db import connection


def close_old_connections() -> None:
    """Drop stale connections, unless inside an atomic block (a synchronous run in a request
    or test) where closing would break the caller's transaction."""
    if not connection.in_atomic_block:
        _close_old_connections()

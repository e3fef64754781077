"""SQLite "database is locked": bounded retries with backoff, then a clean 503 (issue 15).

SQLite lets one writer at a time; another writer waits up to ``SQLITE_BUSY_TIMEOUT_SECONDS``
and then fails with ``OperationalError: database is locked``. Writes that own their transaction
(:func:`retry_when_locked`, used by the import service) try again ``DB_LOCKED_RETRIES`` times,
waiting ``DB_LOCKED_RETRY_DELAY_SECONDS`` × 2ⁿ between attempts, then raise
:class:`DatabaseBusy`. The API's exception handler and :class:`DatabaseBusyMiddleware` (hub
pages) answer that, and any locked error that reaches them, with **503** and a
``Retry-After`` header instead of a 500.
"""

import logging
import math
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger("planning_hub.db")

T = TypeVar("T")
_LOCKED = ("database is locked", "database table is locked")


class DatabaseBusy(Exception):
    """The database stayed locked by another writer through every retry. ``retry_after`` is
    the advised wait in whole seconds (≥ 1); nothing was written."""

    code = "database_busy"

    def __init__(self, retry_after: int):
        super().__init__(
            "The database is busy with another write; nothing was changed. "
            f"Try again in {retry_after} s."
        )
        self.retry_after = retry_after


def is_locked(exc: BaseException) -> bool:
    """``True`` for SQLite's "database is locked" / "database table is locked" errors (the
    Django wrapper or the ``sqlite3`` original)."""
    return isinstance(exc, OperationalError | sqlite3.OperationalError) and any(
        text in str(exc).lower() for text in _LOCKED
    )


def retry_after_seconds() -> int:
    """The ``Retry-After`` advised after the retries: the last backoff step, at least 1 s."""
    delay = settings.DB_LOCKED_RETRY_DELAY_SECONDS * 2 ** max(settings.DB_LOCKED_RETRIES, 0)
    return max(1, math.ceil(delay))


def retry_when_locked(func: Callable[[], T], *, what: str = "write") -> T:
    """Run ``func()`` (which opens and commits its own transaction) and return its result; on a
    locked error run it again after ``DB_LOCKED_RETRY_DELAY_SECONDS`` × 2ⁿ seconds, at most
    ``DB_LOCKED_RETRIES`` times, then raise :class:`DatabaseBusy`. Inside an outer atomic block
    a retry cannot help (the outer transaction is the one that failed): :class:`DatabaseBusy`
    at once. Other errors pass through unchanged."""
    retries = max(settings.DB_LOCKED_RETRIES, 0)
    for attempt in range(retries + 1):
        try:
            return func()
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            if connection.in_atomic_block or attempt == retries:
                logger.warning("database_locked_giving_up", extra={"what": what})
                raise DatabaseBusy(retry_after_seconds()) from exc
            delay = settings.DB_LOCKED_RETRY_DELAY_SECONDS * 2**attempt
            logger.info("database_locked_retry", extra={"what": what, "delay": delay})
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def busy_response(exc: BaseException) -> HttpResponse:
    """A plain-text 503 with ``Retry-After`` for a hub page."""
    seconds = exc.retry_after if isinstance(exc, DatabaseBusy) else retry_after_seconds()
    response = HttpResponse(
        _("The database is busy with another write; nothing was changed. Try again in %(n)s s.")
        % {"n": seconds},
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response


class DatabaseBusyMiddleware:
    """Hub pages: :class:`DatabaseBusy` or a locked error → 503 with ``Retry-After``, never a
    500 (the API maps them in ``planning_hub.api.errors``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseBusy) or is_locked(exception):
            logger.warning("database_busy_response", extra={"path": request.path})
            return busy_response(exception)
        return None

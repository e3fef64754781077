"""Structured logging: a request id on every record, JSON output with ``LOG_FORMAT=json``.

Event names are the seeds' (``legacy_mode_detected``, ``input_set_diff_job_failed``,
``planning_job_store_input_set_label_failed``, …): services log them as the message with the
context in ``extra``, so a JSON line reads ``{"message": "<event>", "diff_job_id": 12, …}``.
"""

import contextvars
import logging
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the HTTP request's, or ``-`` in workers and commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestIdMiddleware:
    """Takes ``X-Request-ID`` from the client (or makes one), exposes it to logging and
    returns it in the response header so a user can quote it."""

    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        )
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response

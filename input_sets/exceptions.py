"""Domain errors raised by the input-set services.

Callers map them: management commands to exit code 1 with the message, the API to 4xx JSON
(``code`` is the stable machine-readable reason), admin and hub pages to messages.
"""


class InputSetError(Exception):
    """Base class. ``code`` is stable and machine readable; ``str(exc)`` is for people."""

    code = "input_set_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class InputSetNotFound(InputSetError):
    code = "input_set_not_found"


class ConfigVersionNotFound(InputSetError):
    code = "config_version_not_found"


class ConfigVersionExists(InputSetError):
    code = "config_version_exists"


class InvalidTransition(InputSetError):
    """The requested review action is not allowed from the set's current status."""

    code = "invalid_transition"


class ReviewRefused(InputSetError):
    """The transition is allowed but not for this reviewer (four-eyes rule)."""

    code = "review_refused"


class ImportRejected(InputSetError):
    """Validation failed; nothing was written. ``report`` holds every error found."""

    code = "import_rejected"

    def __init__(self, report):
        errors = report.errors
        first = errors[0] if errors else None
        where = (
            f"{first.file}" + (f":{first.line}" if first and first.line else "") if first else ""
        )
        message = f"Import rejected with {len(errors)} error(s)"
        if first:
            message += f"; first: {where} {first.column or ''} {first.message}".rstrip()
        super().__init__(message)
        self.report = report

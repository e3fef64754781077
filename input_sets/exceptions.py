"""Domain errors raised by the input-set services.

Callers map them: management commands to exit code 1 with the message, the API to 4xx JSON
(``code`` is the stable machine-readable reason), admin and hub pages to messages.
"""

from planning_hub.errors import DomainError


class InputSetError(DomainError):
    """Base class of input-set errors. ``code`` is stable and machine readable; ``str(exc)``
    is for people."""

    code = "input_set_error"


class InputSetNotFound(InputSetError):
    code = "input_set_not_found"
    http_status = 404


class ConfigVersionNotFound(InputSetError):
    code = "config_version_not_found"
    http_status = 404


class ConfigVersionExists(InputSetError):
    code = "config_version_exists"


class InvalidTransition(InputSetError):
    """The requested review action is not allowed from the set's current status."""

    code = "invalid_transition"
    http_status = 409


class ReviewRefused(InputSetError):
    """The transition is allowed but not for this reviewer (four-eyes rule)."""

    code = "review_refused"
    http_status = 403


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

    def errors(self) -> list[dict]:
        return [e.as_dict() for e in self.report.errors]


class ImportConflict(ImportRejected):
    """A concurrent upload created the same label while this one was being read (issue 15):
    nothing was written; the API answers 409. ``report`` holds the ``input_set_conflict``
    issue."""

    code = "input_set_conflict"
    http_status = 409

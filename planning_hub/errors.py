"""The one base of every domain error (input sets, plans, runs, jobs).

Callers map them: management commands to exit code 1 with the message, the API to 4xx JSON
(``code`` is the stable machine-readable reason), admin and hub pages to messages.
"""


class DomainError(Exception):
    """Base class. ``code`` is stable and machine readable; ``str(exc)`` is for people;
    ``http_status`` is the API's answer (subclasses set 403, 404, 409, …); ``errors()`` the
    API body's ``errors`` list (``[{file, line, column, code, message, value}]`` for imports)."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code

    def errors(self) -> list[dict]:
        return []

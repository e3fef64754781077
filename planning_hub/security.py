"""Login brute-force protection (django-axes) and API throttling per token (DRF).

- :func:`client_ip`: the address axes counts failures for. ``REMOTE_ADDR``, or behind
  ``TRUSTED_PROXY_COUNT`` trusted reverse proxies the address they appended to
  ``X-Forwarded-For`` (the client's, as seen by the outermost trusted proxy).
- :func:`lockout_response`: the translated lock-out page (429) of the hub and admin logins.
- :class:`TokenRateThrottle`: one rate per API token (``API_THROTTLE_TOKEN_RATE``); a
  session user of the browsable API is counted per user.
"""

from django.conf import settings
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cooloff.total_seconds() / 60)) if cooloff else None
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (``request.auth`` is the ``ApiToken``); a session user (the
    browsable API) per user. Anonymous requests are left to ``AnonRateThrottle``."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

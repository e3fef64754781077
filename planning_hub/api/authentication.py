"""Token authentication: ``Authorization: Bearer <key>`` (runbooks) or ``Token <key>`` (DRF)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ..models import ApiToken, token_digest

PREFIXES = (b"bearer", b"token")
# last_used_at is written at most this often per token (one UPDATE, not one per request)
TOUCH_SECONDS = 60


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in PREFIXES:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Token revoked."), code="token_revoked")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("Token expired."), code="token_expired")
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOUCH_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        # A challenge makes DRF answer 401 (not 403) to unauthenticated requests.
        return self.keyword

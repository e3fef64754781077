"""API token services (create, revoke)."""

from django.utils import timezone

from .models import PREFIX_LENGTH, ApiToken, token_digest


def api_token_create(
    *, user, name: str = "", expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns ``(token, key)``. The key is not stored anywhere:
    show it to the user once. ``expires_days`` None or 0 = never expires."""
    key = ApiToken.new_key()
    expires_at = timezone.now() + timezone.timedelta(days=expires_days) if expires_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        digest=token_digest(key),
        expires_at=expires_at,
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token (it stays listed, with its revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

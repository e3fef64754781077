"""API tokens: stored as a sha256 digest, with expiry and revocation.

Why our own model rather than django-rest-knox: the runbooks send ``Authorization: Bearer``
while DRF clients send ``Token``; knox accepts a single prefix, and creating tokens in admin
(issue 4) needs an admin form that shows the key once. Sixty lines here cover both.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_BYTES = 32
PREFIX_LENGTH = 8


def token_digest(key: str) -> str:
    """sha256 hex digest of a token key (what the database stores)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token of one user. The key itself is shown once and never stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @classmethod
    def new_key(cls) -> str:
        return secrets.token_urlsafe(KEY_BYTES)

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hub.users.choices import TokenScope


class ApiToken(models.Model):
    """A personal API token: a user's credential for scripts and CI, limited to a scope.

    Only the SHA-256 digest of the secret is kept (the secret is shown once, at creation);
    `prefix` is the token's first characters, enough to recognise it in lists and the audit
    log, never enough to use it. A token never grants more than its user has, and is void
    once revoked, past `expires_at`, or when its user is inactive.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=16, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def label(self) -> str:
        return str(self)[:120]

    @property
    def is_active(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= timezone.now()
        return self.revoked_at is None and not expired

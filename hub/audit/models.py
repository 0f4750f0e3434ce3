from __future__ import annotations

from django.conf import settings
from django.db import models

from hub.audit.choices import AuditAction


class AuditLog(models.Model):
    """One thing somebody did: who, from where, what, to which object, and what changed.

    Rows are append-only; `changes` maps field -> {before, after} with secrets masked, and
    `username` is kept as text so the record survives the user's deletion.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    # The personal API token the actor used, if any; the label outlives the token row.
    api_token = models.ForeignKey(
        "users.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_label = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.object_type}:{self.object_id}"

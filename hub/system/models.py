from __future__ import annotations

from django.conf import settings
from django.db import models


class SystemSetting(models.Model):
    """A runtime setting's stored value; keys and types are declared in registry.SPECS."""

    key = models.CharField(max_length=100, primary_key=True)
    value = models.JSONField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key

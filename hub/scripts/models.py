from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from hub.core.models import OwnedModel
from hub.scripts.choices import EntryType, RuleAction, ScriptType, VersionStatus


class ScriptTemplate(OwnedModel):
    """A library entry: its identity and metadata; content lives in immutable versions.

    `current_version` is the version used by default; every content or parameter change
    adds a version, so history is never rewritten. Most entries are scripts; a playbook
    entry (an imported role that does more than run one script) holds a playbook as its
    content and the role's files in each version's `files`.
    """

    name = models.CharField(max_length=200, unique=True)
    entry_type = models.CharField(
        max_length=16, choices=EntryType.choices, default=EntryType.SCRIPT
    )
    script_type = models.CharField(
        max_length=16, choices=ScriptType.choices, default=ScriptType.SHELL
    )
    category = models.CharField(max_length=100, blank=True, db_index=True)
    tags = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    current_version = models.ForeignKey(
        "ScriptVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        permissions = [("execute_scripttemplate", "Can run this script")]

    def __str__(self) -> str:
        return self.name

    @property
    def content(self) -> str:
        """The current version's content ("" before the first version exists)."""
        return self.current_version.content if self.current_version else ""

    @property
    def parameters(self) -> list[dict[str, Any]]:
        """The current version's parameter declarations (secret defaults still encrypted)."""
        return self.current_version.parameters if self.current_version else []


class ScriptVersion(models.Model):
    """One saved state of a script: content and typed parameters, never changed after.

    Only `status` (online/offline) moves; an offline version cannot be launched.
    Secret parameter defaults are stored encrypted inside `parameters`. `files` (relative
    path -> text) are the files a playbook entry's playbook needs next to it, e.g. its roles.
    """

    script = models.ForeignKey(ScriptTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.TextField()
    parameters = models.JSONField(default=list, blank=True)
    files = models.JSONField(default=dict, blank=True)
    comment = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.ONLINE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["script_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["script", "number"], name="script_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.script.name} v{self.number}"


class DangerousCommandRule(models.Model):
    """A regular expression that warns about or blocks a script at save and at run."""

    pattern = models.CharField(max_length=500)
    script_types = models.JSONField(
        default=list, blank=True, help_text="Script types it applies to; empty means all."
    )
    action = models.CharField(max_length=8, choices=RuleAction.choices, default=RuleAction.BLOCK)
    description = models.CharField(max_length=255)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description

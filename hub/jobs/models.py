from __future__ import annotations

import json
from typing import Any

from django.db import models

from hub.core.fields import EncryptedTextField
from hub.core.models import OwnedModel
from hub.inventory.models import Account, Host, HostGroup
from hub.jobs.choices import FailurePolicy, StepType, VariableType
from hub.scripts.choices import ScriptType
from hub.scripts.models import ScriptTemplate


class JobTemplate(OwnedModel):
    """An ordered list of steps with default targets, account and global variables.

    `version` goes up on every change so plans can tell they are out of sync.
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    target_hosts = models.ManyToManyField(Host, blank=True, related_name="+")
    target_groups = models.ManyToManyField(HostGroup, blank=True, related_name="+")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        permissions = [("execute_jobtemplate", "Can run this template")]

    def __str__(self) -> str:
        return self.name


class TemplateVariable(models.Model):
    """A global variable of a template, passed to every step's script as an env variable.

    Secret values are kept only in `secret_value` (encrypted); `value` holds the others
    as JSON (a string, a number or a list of host names).
    """

    template = models.ForeignKey(JobTemplate, on_delete=models.CASCADE, related_name="variables")
    name = models.CharField(max_length=64)
    var_type = models.CharField(
        max_length=16, choices=VariableType.choices, default=VariableType.STRING
    )
    value = models.JSONField(null=True, blank=True)
    secret_value = EncryptedTextField(blank=True)
    description = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["template_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "name"], name="template_variable_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_value(self) -> Any:
        return self.secret_value if self.var_type == VariableType.SECRET else self.value


class JobStep(models.Model):
    """One step of a template: a script, a file push or a file fetch, with its settings.

    Targets default to the template's; the script is a library script (pinned to a
    version number, or its current version when unpinned) or inline content.
    """

    template = models.ForeignKey(JobTemplate, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    step_type = models.CharField(max_length=16, choices=StepType.choices, default=StepType.SCRIPT)
    script = models.ForeignKey(
        ScriptTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    script_version = models.PositiveIntegerField(null=True, blank=True)
    script_type = models.CharField(
        max_length=16, choices=ScriptType.choices, default=ScriptType.SHELL
    )
    script_content = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    secret_parameters = EncryptedTextField(blank=True)
    use_template_targets = models.BooleanField(default=True)
    target_hosts = models.ManyToManyField(Host, blank=True, related_name="+")
    target_groups = models.ManyToManyField(HostGroup, blank=True, related_name="+")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    timeout = models.PositiveIntegerField(default=0)
    ignore_errors = models.BooleanField(default=False)
    batch_size = models.CharField(max_length=16, blank=True)
    batch_failure_policy = models.CharField(
        max_length=16, choices=FailurePolicy.choices, default=FailurePolicy.STOP
    )
    source_files = models.JSONField(default=list, blank=True)
    destination = models.CharField(max_length=1024, blank=True)
    fetch_path = models.CharField(max_length=1024, blank=True)
    playbook_file = models.UUIDField(null=True, blank=True)
    playbook_url = models.CharField(max_length=1024, blank=True)
    playbook_ref = models.CharField(max_length=255, blank=True)
    playbook_path = models.CharField(max_length=1024, blank=True)

    class Meta:
        ordering = ["template_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.template.name} #{self.order} {self.name}"

    @property
    def secret_parameter_values(self) -> dict[str, Any]:
        return json.loads(self.secret_parameters) if self.secret_parameters else {}


class ExecutionPlan(OwnedModel):
    """A runnable selection of a template's steps with its own order, targets and values.

    `synced_version` is the template version the plan last agreed with; `template_snapshot`
    is what the template looked like then, so a sync can preview what changed.
    """

    template = models.ForeignKey(JobTemplate, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    variable_values = models.JSONField(default=dict, blank=True)
    secret_values = EncryptedTextField(blank=True)
    synced_version = models.PositiveIntegerField(default=1)
    template_snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["template_id", "name"]
        permissions = [("execute_executionplan", "Can run this plan")]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "name"], name="plan_unique_name_per_template"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_sync(self) -> bool:
        return self.synced_version != self.template.version

    @property
    def secret_value_map(self) -> dict[str, Any]:
        return json.loads(self.secret_values) if self.secret_values else {}


class PlanStep(models.Model):
    """A template step selected by a plan, in the plan's order, with optional targets."""

    plan = models.ForeignKey(ExecutionPlan, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(JobStep, null=True, on_delete=models.SET_NULL, related_name="+")
    step_name = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    override_targets = models.BooleanField(default=False)
    target_hosts = models.ManyToManyField(Host, blank=True, related_name="+")
    target_groups = models.ManyToManyField(HostGroup, blank=True, related_name="+")

    class Meta:
        ordering = ["plan_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.plan.name} #{self.order} {self.step_name}"


class StoredFile(models.Model):
    """An uploaded file kept on disk under MEDIA_ROOT/files/<id> for file-push steps."""

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

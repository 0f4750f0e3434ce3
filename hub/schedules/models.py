from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from hub.core.fields import EncryptedTextField
from hub.core.models import OwnedModel
from hub.schedules.choices import (
    Channel,
    DeliveryStatus,
    NotifyOn,
    OverlapPolicy,
    RunStatus,
    RunTrigger,
    TargetKind,
)
from hub.scripts.choices import ScriptType


class Schedule(OwnedModel):
    """A plan or a script that runs by a 5-field cron expression in a timezone.

    The timer itself is django-celery-beat's: `periodic_task` (with its CrontabSchedule) is
    kept in sync by the schedule services and fires `schedules.fire`. Runs are launched as
    the schedule's creator, so the creator's permissions at fire time decide what may run.
    Secret plan variables / script parameters are kept only in `secret_values` (encrypted).
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    cron_expression = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, default="UTC")
    enabled = models.BooleanField(default=True, db_index=True)
    target_kind = models.CharField(max_length=8, choices=TargetKind.choices)
    plan = models.ForeignKey(
        "jobs.ExecutionPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedules",
    )
    variables = models.JSONField(default=dict, blank=True)
    script = models.ForeignKey(
        "scripts.ScriptTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedules",
    )
    script_version = models.PositiveIntegerField(null=True, blank=True)
    script_content = models.TextField(blank=True)
    script_type = models.CharField(
        max_length=16, choices=ScriptType.choices, default=ScriptType.SHELL
    )
    parameters = models.JSONField(default=dict, blank=True)
    secret_values = EncryptedTextField(blank=True)
    target_hosts = models.ManyToManyField("inventory.Host", blank=True, related_name="+")
    target_groups = models.ManyToManyField("inventory.HostGroup", blank=True, related_name="+")
    account = models.ForeignKey(
        "inventory.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    timeout = models.PositiveIntegerField(null=True, blank=True)
    concurrency = models.PositiveIntegerField(null=True, blank=True)
    retry_count = models.PositiveSmallIntegerField(default=0)
    retry_delay_seconds = models.PositiveIntegerField(default=60)
    overlap_policy = models.CharField(
        max_length=8, choices=OverlapPolicy.choices, default=OverlapPolicy.SKIP
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("execute_schedule", "Can run this schedule now")]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_value_map(self) -> dict[str, Any]:
        return json.loads(self.secret_values) if self.secret_values else {}


class ScheduleRun(models.Model):
    """One firing of a schedule (cron, run-now or retry) and the execution it launched.

    `status` is the run's own state while it has no execution (queued, skipped, missed,
    error) and mirrors the execution's final status once it ended. A cron run remembers
    the slot it was for (`scheduled_for`), so a slot fired twice runs once.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="runs")
    execution = models.OneToOneField(
        "executions.Execution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schedule_run",
    )
    trigger = models.CharField(max_length=8, choices=RunTrigger.choices)
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, db_index=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["schedule", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "scheduled_for"],
                name="schedule_run_unique_cron_slot",
                condition=models.Q(trigger="cron", scheduled_for__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id}#{self.pk} {self.trigger} {self.status}"


class ExecutionFollowUp(models.Model):
    """Marks that an ended execution's follow-up (schedule run status, retry, queued run,
    notifications) was done, so the engine hook and the reconcile sweep never both do it."""

    execution = models.OneToOneField(
        "executions.Execution", primary_key=True, on_delete=models.CASCADE, related_name="follow_up"
    )
    handled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"follow-up of {self.execution_id}"


class NotificationRule(OwnedModel):
    """Who hears about the runs of one schedule or one plan, when, and through what.

    Webhooks get a JSON POST signed with HMAC-SHA256 of the body (X-OpsJob-Signature:
    sha256=<hex>) using `webhook_secret`, which is encrypted and never returned.
    """

    name = models.CharField(max_length=200)
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.CASCADE, related_name="notification_rules"
    )
    plan = models.ForeignKey(
        "jobs.ExecutionPlan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_rules",
    )
    notify_on = models.CharField(max_length=8, choices=NotifyOn.choices, default=NotifyOn.FAILURE)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    webhook_url = models.URLField(max_length=1000, blank=True)
    webhook_secret = EncryptedTextField(blank=True)
    email_to = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("execute_notificationrule", "Can test-send this rule")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(schedule__isnull=False, plan__isnull=True)
                    | models.Q(schedule__isnull=True, plan__isnull=False)
                ),
                name="notification_rule_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name


class NotificationDelivery(models.Model):
    """One attempt to deliver a notification: what for, the outcome and the reply code."""

    rule = models.ForeignKey(NotificationRule, on_delete=models.CASCADE, related_name="deliveries")
    execution = models.ForeignKey(
        "executions.Execution", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule_run = models.ForeignKey(
        ScheduleRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    event = models.CharField(max_length=16)
    is_test = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.event} {self.status}"

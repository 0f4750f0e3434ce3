from __future__ import annotations

from django.conf import settings
from django.db import models

from hub.core.fields import EncryptedTextField
from hub.executions.choices import Control, ExecutionKind, ExecutionStatus, HostStatus


class Execution(models.Model):
    """One run of anything (quick script, file transfer, plan, schedule): the record users see.

    A status machine (pending -> running <-> paused -> a final status). `spec` is the
    compiler input with secrets masked; the secrets the worker needs are kept encrypted in
    `secret_spec` and dropped when the run ends.
    """

    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=32, choices=ExecutionKind.choices, db_index=True)
    status = models.CharField(
        max_length=16,
        choices=ExecutionStatus.choices,
        default=ExecutionStatus.PENDING,
        db_index=True,
    )
    control = models.CharField(max_length=8, choices=Control.choices, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    template = models.ForeignKey(
        "jobs.JobTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="executions",
    )
    plan = models.ForeignKey(
        "jobs.ExecutionPlan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="executions",
    )
    script = models.ForeignKey(
        "scripts.ScriptTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="executions",
    )
    script_version = models.PositiveIntegerField(null=True, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    spec = models.JSONField(default=dict, blank=True)
    secret_spec = EncryptedTextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    targets = models.JSONField(default=list, blank=True)
    forks = models.PositiveIntegerField(default=20)
    timeout = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("execute_execution", "Can control this execution")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at
        if end is None:
            from django.utils import timezone

            end = timezone.now()
        return round((end - self.started_at).total_seconds(), 3)


class ExecutionStep(models.Model):
    """A step of an execution (one play): its status and timing across its hosts."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    step_type = models.CharField(max_length=16)
    status = models.CharField(
        max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["execution_id", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["execution", "index"], name="execution_step_unique_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.execution_id}#{self.index} {self.name}"


class HostResult(models.Model):
    """What one step did on one host: status, exit code, timing and an output digest.

    `output_digest` groups hosts with identical (rc, output) so 500 equal results read
    as one line; the full output lives in the events and the archived HostLog.
    """

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="host_results")
    step = models.ForeignKey(ExecutionStep, on_delete=models.CASCADE, related_name="hosts")
    host = models.ForeignKey(
        "inventory.Host", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    host_name = models.CharField(max_length=255)
    ip_address = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=HostStatus.choices, default=HostStatus.PENDING, db_index=True
    )
    rc = models.IntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    output_tail = models.TextField(blank=True)
    output_digest = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["execution_id", "step_id", "host_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "host_name"], name="host_result_unique_per_step"
            )
        ]
        # dashboard's top failing hosts: read from the index alone (no heap visits)
        indexes = [
            models.Index(
                fields=["status", "execution", "host_name"], name="hostresult_status_exec_host"
            )
        ]

    def __str__(self) -> str:
        return f"{self.host_name}: {self.status}"

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 3)
        return None


class ExecutionEvent(models.Model):
    """A reduced runner event moved from the Redis stream into the database (in batches).

    `seq` is the gapless per-execution sequence number the stream entry carries, so the
    database copy and the live stream agree and ingest is idempotent.
    """

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=32)
    step = models.IntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    stream = models.CharField(max_length=8, blank=True)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ts = models.FloatField(default=0)

    class Meta:
        ordering = ["execution_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "seq"], name="execution_event_unique_seq")
        ]
        indexes = [models.Index(fields=["execution", "host", "seq"])]

    def __str__(self) -> str:
        return f"{self.execution_id}:{self.seq} {self.kind}"


class HostLog(models.Model):
    """A host's whole log for an execution, archived when the run ends (also on disk)."""

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="logs")
    host_name = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    size = models.PositiveBigIntegerField(default=0)
    truncated = models.BooleanField(default=False)
    file_path = models.CharField(max_length=1024, blank=True)

    class Meta:
        ordering = ["execution_id", "host_name"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "host_name"], name="host_log_unique")
        ]

    def __str__(self) -> str:
        return f"{self.execution_id}:{self.host_name}"

from django.db import models


class TargetKind(models.TextChoices):
    PLAN = "plan", "Execution plan"
    SCRIPT = "script", "Script"


class OverlapPolicy(models.TextChoices):
    SKIP = "skip", "Skip while the previous run is still running"
    QUEUE = "queue", "Queue behind the previous run"


class RunTrigger(models.TextChoices):
    CRON = "cron", "Cron"
    MANUAL = "manual", "Run now"
    RETRY = "retry", "Retry"


class RunStatus(models.TextChoices):
    """A run's own states before it has an execution, then the execution's final status."""

    QUEUED = "queued", "Queued behind a running run"
    SKIPPED = "skipped", "Skipped (overlap)"
    MISSED = "missed", "Missed (scheduler was down)"
    ERROR = "error", "Could not launch"
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    PARTIAL = "partial", "Partially failed"
    STOPPED = "stopped", "Stopped"
    TIMEOUT = "timeout", "Timed out"
    UNREACHABLE = "unreachable", "Unreachable"


class NotifyOn(models.TextChoices):
    FAILURE = "failure", "On failure"
    SUCCESS = "success", "On success"
    ALWAYS = "always", "Always"


class Channel(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    EMAIL = "email", "Email"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"

from django.db import models


class ExecutionKind(models.TextChoices):
    QUICK_SCRIPT = "quick_script", "Quick script"
    QUICK_FILE = "quick_file", "Quick file transfer"
    PLAN = "plan", "Execution plan"
    SCHEDULE = "schedule", "Scheduled"
    CONNECTION_TEST = "connection_test", "Connection test"


class ExecutionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    PARTIAL = "partial", "Partially failed"
    STOPPED = "stopped", "Stopped"
    TIMEOUT = "timeout", "Timed out"
    UNREACHABLE = "unreachable", "Unreachable"


FINISHED_STATUSES = frozenset(
    {
        ExecutionStatus.SUCCESS,
        ExecutionStatus.FAILED,
        ExecutionStatus.PARTIAL,
        ExecutionStatus.STOPPED,
        ExecutionStatus.TIMEOUT,
        ExecutionStatus.UNREACHABLE,
    }
)


class HostStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    STOPPED = "stopped", "Stopped"
    TIMEOUT = "timeout", "Timed out"
    UNREACHABLE = "unreachable", "Unreachable"
    LOST = "lost", "Lost"  # the worker died before this host's result was recorded


class Control(models.TextChoices):
    NONE = "", "None"
    PAUSE = "pause", "Pause requested"
    STOP = "stop", "Stop requested"

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


class EventKind(models.TextChoices):
    """Every kind of event an execution's stream (and so its live feed) carries.

    Emitted by the engine (status, end, control), the runner event reducer (step_start,
    batch_start, host_start, host_result, log), the hub.ops plugins (output, remote_start,
    log, paused, resumed) and the live feed itself (output_skipped); a test keeps the
    plugins, which cannot import this module, to these values.
    """

    STATUS = "status", "The execution's status changed"
    STEP_START = "step_start", "A step started"
    BATCH_START = "batch_start", "The next batch of a rolling step started"
    HOST_START = "host_start", "A host started a step's task"
    HOST_RESULT = "host_result", "A host's result for a step"
    OUTPUT = "output", "A chunk of a host's output"
    OUTPUT_SKIPPED = "output_skipped", "Output past the live limit (in the log files only)"
    REMOTE_START = "remote_start", "A live script is about to start on a host"
    LOG = "log", "A message from Ansible (warning, error, no hosts matched...)"
    PAUSED = "paused", "The run paused at a step boundary"
    RESUMED = "resumed", "The run resumed"
    CONTROL = "control", "Someone asked to stop, pause or resume"
    END = "end", "The run ended (always the last event)"

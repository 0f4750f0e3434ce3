from django.db import models


class CloudProvider(models.TextChoices):
    """The providers with an inventory plugin; values equal HostSource's cloud values."""

    ALIYUN = "aliyun", "Aliyun ECS"
    TENCENT = "tencent", "Tencent Cloud CVM"
    AWS = "aws", "AWS EC2"


class CloudSyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"


class CloudSyncTrigger(models.TextChoices):
    MANUAL = "manual", "Manual"
    SCHEDULE = "schedule", "Schedule"


class CloudErrorKind(models.TextChoices):
    """CloudInventoryError.kind of the plugins, plus ``internal`` for anything unexpected."""

    AUTH = "auth", "Authentication failed"
    ENDPOINT = "endpoint", "Endpoint unreachable"
    CONFIG = "config", "Bad configuration"
    API = "api", "Provider API error"
    INTERNAL = "internal", "Internal error"


FINISHED_SYNC_STATUSES = frozenset({CloudSyncStatus.SUCCESS, CloudSyncStatus.FAILED})

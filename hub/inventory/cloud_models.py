"""Cloud sync models: the cloud accounts the hub syncs from, the sync runs, and the last
cloud record of every synced host. Imported at the end of hub/inventory/models.py."""

from __future__ import annotations

from django.db import models
from django_celery_beat.models import PeriodicTask

from hub.core.fields import EncryptedTextField
from hub.core.models import OwnedModel
from hub.inventory.cloud.choices import (
    FINISHED_SYNC_STATUSES,
    CloudErrorKind,
    CloudProvider,
    CloudSyncStatus,
    CloudSyncTrigger,
)


class CloudAccount(OwnedModel):
    """Credentials for one provider account, and what a sync from it does by default.

    The secret is encrypted at rest and never leaves through the API. `regions`/`filters` are
    the plugin options a sync uses when the request gives none; imported hosts get `account`
    and join `group`. With `sync_interval` > 0 (minutes) a beat PeriodicTask, kept in step by
    the services, syncs it periodically.
    """

    name = models.CharField(max_length=100, unique=True)
    provider = models.CharField(max_length=16, choices=CloudProvider.choices)
    access_key_id = models.CharField(max_length=255)
    secret = EncryptedTextField()
    regions = models.JSONField(default=list, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    endpoint = models.CharField(max_length=500, blank=True)
    account = models.ForeignKey(
        "inventory.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.ForeignKey(
        "inventory.HostGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sync_interval = models.PositiveIntegerField(default=0)
    periodic_task = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("execute_cloudaccount", "Can sync hosts from this cloud account")]

    def __str__(self) -> str:
        return self.name


class CloudSync(OwnedModel):
    """One sync run: pending -> running -> success | failed, with its request and summary.

    `request` holds provider, regions, filters, account_id, group_id (never credentials);
    `summary` counts created / updated / marked_missing / unchanged hosts and lists per-host
    errors; `error` explains a failed run (`error_kind` from the plugin's CloudInventoryError).
    """

    cloud_account = models.ForeignKey(
        CloudAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="syncs"
    )
    provider = models.CharField(max_length=16, choices=CloudProvider.choices)
    trigger = models.CharField(
        max_length=16, choices=CloudSyncTrigger.choices, default=CloudSyncTrigger.MANUAL
    )
    status = models.CharField(
        max_length=16,
        choices=CloudSyncStatus.choices,
        default=CloudSyncStatus.PENDING,
        db_index=True,
    )
    request = models.JSONField(default=dict)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_kind = models.CharField(max_length=16, choices=CloudErrorKind.choices, blank=True)
    error_code = models.CharField(max_length=128, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} sync #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_SYNC_STATUSES


class CloudHost(models.Model):
    """The last cloud record of a synced host and the cloud account it came from.

    `record` is the plugin's normalised host vars (state, zone, type, tags, addresses); the
    sync reads it to scope "vanished" to the same account and to the request's filters.
    """

    host = models.OneToOneField(
        "inventory.Host", on_delete=models.CASCADE, related_name="cloud_host"
    )
    cloud_account = models.ForeignKey(
        CloudAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="cloud_hosts"
    )
    last_sync = models.ForeignKey(
        CloudSync, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.JSONField(default=dict)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"cloud record of host {self.host_id}"

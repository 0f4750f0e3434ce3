from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from hub.core.fields import EncryptedTextField
from hub.core.models import OwnedModel
from hub.inventory.choices import AuthType, BecomeMethod, HostSource, HostStatus, OsType


class Account(OwnedModel):
    """An execution account: the remote user and its secret, plus how to become root.

    Password, private key, passphrase and become password are encrypted at rest
    (EncryptedTextField) and never leave through the API; `auth_type` says which one logs in.
    """

    name = models.CharField(max_length=100, unique=True)
    username = models.CharField(max_length=64)
    auth_type = models.CharField(max_length=16, choices=AuthType.choices, default=AuthType.PASSWORD)
    password = EncryptedTextField(blank=True)
    private_key = EncryptedTextField(blank=True)
    passphrase = EncryptedTextField(blank=True)
    become = models.BooleanField(default=False)
    become_method = models.CharField(
        max_length=8, choices=BecomeMethod.choices, default=BecomeMethod.SUDO
    )
    become_user = models.CharField(max_length=64, default="root")
    become_password = EncryptedTextField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("execute_account", "Can run jobs with this account")]

    def __str__(self) -> str:
        return self.name


class HostGroup(OwnedModel):
    """A named set of hosts (business, environment, any dimension); groups nest via parent."""

    name = models.CharField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("execute_hostgroup", "Can run jobs on this group")]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        ids: list[int] = []
        node = self.parent
        while node is not None and node.pk not in ids:
            ids.append(node.pk)
            node = node.parent
        return ids


class Host(OwnedModel):
    """A managed server: where it is, how to reach it, which account logs in, how it is.

    `status` is the last connection test's verdict; cloud-synced hosts also carry their
    provider and instance id, and `cloud_missing` once the instance vanished upstream.
    """

    name = models.CharField(max_length=255, unique=True)
    ip_address = models.CharField(max_length=255, db_index=True)
    port = models.PositiveIntegerField(
        default=22, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    os_type = models.CharField(max_length=16, choices=OsType.choices, default=OsType.LINUX)
    labels = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="hosts"
    )
    groups = models.ManyToManyField(HostGroup, blank=True, related_name="hosts")
    status = models.CharField(
        max_length=16, choices=HostStatus.choices, default=HostStatus.UNKNOWN, db_index=True
    )
    status_message = models.TextField(blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=HostSource.choices, default=HostSource.MANUAL)
    cloud_instance_id = models.CharField(max_length=128, blank=True, db_index=True)
    cloud_region = models.CharField(max_length=64, blank=True)
    cloud_missing = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        permissions = [("execute_host", "Can run jobs on this host")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "cloud_instance_id"],
                condition=~models.Q(cloud_instance_id=""),
                name="host_unique_cloud_instance",
            )
        ]

    def __str__(self) -> str:
        return self.name


# Cloud sync models live in their own module; importing them here registers them.
from hub.inventory.cloud_models import CloudAccount, CloudHost, CloudSync  # noqa: E402, F401

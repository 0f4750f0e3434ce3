"""Cloud accounts, sync requests and sync records. Secrets are write-only."""

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from hub.core.outbound import OutboundRefused, check_endpoint
from hub.core.serializers import DescriptionField, PermsField, StoredJSONField, StrictCharField
from hub.inventory.api.serializers import VisiblePrimaryKeyField
from hub.inventory.cloud.choices import CloudProvider
from hub.inventory.cloud.plugins import check_filters
from hub.inventory.models import Account, CloudAccount, CloudSync, HostGroup
from hub.inventory.validators import validate_address

MAX_WAIT_SECONDS = 120
MAX_SYNC_INTERVAL = 7 * 24 * 60


class RegionsField(serializers.ListField):
    """Region ids ("cn-hangzhou", "us-east-1"), or ["all"] for every region."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", StrictCharField(max_length=64))
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)


def _validate_filters(provider: str, filters: Any) -> dict[str, Any]:
    if not isinstance(filters, dict):
        raise serializers.ValidationError({"filters": ["Must be an object."]})
    if problem := check_filters(provider, filters):
        raise serializers.ValidationError({"filters": [problem]})
    return filters


def validate_endpoint(value: str) -> None:
    """A URL (http/https) or a bare host[:port] for the provider's API."""
    if value.startswith(("http://", "https://")):
        URLValidator(schemes=["http", "https"])(value)
        return
    host, _sep, port = value.partition(":")
    if port and not port.isdigit():
        raise serializers.ValidationError("Enter a URL or host[:port].")
    validate_address(host)


def _endpoint_allowed(value: str) -> None:
    """The outbound policy (checked again at each check and sync): no loopback, metadata
    or private address unless the administrators allow its network."""
    if value:
        try:
            check_endpoint(value)
        except OutboundRefused as exc:
            raise serializers.ValidationError(exc.message) from exc


class CloudAccountSerializer(serializers.ModelSerializer):
    name = StrictCharField(
        max_length=100,
        validators=[
            UniqueValidator(
                CloudAccount.objects.all(), message="A cloud account with this name exists."
            )
        ],
    )
    provider = serializers.ChoiceField(choices=CloudProvider.choices)
    access_key_id = StrictCharField(max_length=255)
    secret = StrictCharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=4096,
        help_text="Write-only; empty keeps the stored secret.",
    )
    has_secret = serializers.SerializerMethodField()
    regions = RegionsField(required=False)
    filters = StoredJSONField(required=False)
    endpoint = StrictCharField(
        max_length=500,
        required=False,
        allow_blank=True,
        validators=[validate_endpoint, _endpoint_allowed],
    )
    account = VisiblePrimaryKeyField(Account, allow_null=True, required=False)
    account_name = serializers.CharField(source="account.name", read_only=True, default=None)
    group = VisiblePrimaryKeyField(HostGroup, allow_null=True, required=False)
    group_name = serializers.CharField(source="group.name", read_only=True, default=None)
    sync_interval = serializers.IntegerField(
        min_value=0, max_value=MAX_SYNC_INTERVAL, required=False
    )
    description = DescriptionField()
    last_sync_id = serializers.IntegerField(read_only=True, default=None)
    last_sync_status = serializers.CharField(read_only=True, default=None)
    last_sync_finished_at = serializers.DateTimeField(read_only=True, default=None)
    perms = PermsField()

    class Meta:
        model = CloudAccount
        fields = [
            "id",
            "name",
            "provider",
            "access_key_id",
            "secret",
            "has_secret",
            "regions",
            "filters",
            "endpoint",
            "account",
            "account_name",
            "group",
            "group_name",
            "sync_interval",
            "description",
            "last_sync_id",
            "last_sync_status",
            "last_sync_finished_at",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_has_secret(self, obj: CloudAccount) -> bool:
        return bool(obj.secret)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            if attrs.get("provider", self.instance.provider) != self.instance.provider:
                raise serializers.ValidationError(
                    {"provider": ["The provider of a cloud account cannot change."]}
                )
            if not attrs.get("secret"):
                attrs.pop("secret", None)  # write-only: empty or omitted keeps the stored one
        elif not attrs.get("secret"):
            raise serializers.ValidationError({"secret": ["This field is required."]})
        provider = str(attrs.get("provider") or getattr(self.instance, "provider", ""))
        if "filters" in attrs:
            _validate_filters(provider, attrs["filters"])
        return attrs


class CloudAccountCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error_kind = serializers.CharField(allow_blank=True)
    error_code = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    regions = serializers.ListField(child=serializers.CharField())


class CloudSyncRequestSerializer(serializers.Serializer):
    """Either a cloud account (its credentials and defaults) or a provider whose credentials
    come from the hub's environment (CLOUD_ALIYUN_*, CLOUD_TENCENT_*, AWS standard)."""

    cloud_account_id = VisiblePrimaryKeyField(CloudAccount, required=False, allow_null=True)
    provider = serializers.ChoiceField(choices=CloudProvider.choices, required=False)
    regions = RegionsField(required=False, min_length=1)
    filters = StoredJSONField(required=False)
    account_id = VisiblePrimaryKeyField(Account, required=False, allow_null=True)
    group_id = VisiblePrimaryKeyField(HostGroup, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        cloud_account = attrs.get("cloud_account_id")
        provider = attrs.get("provider")
        if cloud_account is None and not provider:
            raise serializers.ValidationError(
                {
                    "cloud_account_id": [
                        "Give a cloud_account_id, or a provider to use the "
                        "hub's environment credentials."
                    ]
                }
            )
        if cloud_account is not None and provider and provider != cloud_account.provider:
            raise serializers.ValidationError(
                {"provider": [f"The cloud account is a {cloud_account.provider} account."]}
            )
        attrs["provider"] = cloud_account.provider if cloud_account else provider
        if "filters" in attrs:
            _validate_filters(attrs["provider"], attrs["filters"])
        return attrs


class CloudSyncWaitSerializer(serializers.Serializer):
    wait = serializers.IntegerField(min_value=0, max_value=MAX_WAIT_SECONDS, default=0)


class CloudSyncSerializer(serializers.ModelSerializer):
    cloud_account_name = serializers.CharField(
        source="cloud_account.name", read_only=True, default=None
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    request = serializers.JSONField(read_only=True)
    summary = serializers.JSONField(read_only=True)

    class Meta:
        model = CloudSync
        fields = [
            "id",
            "status",
            "trigger",
            "provider",
            "cloud_account",
            "cloud_account_name",
            "request",
            "summary",
            "error",
            "error_kind",
            "error_code",
            "task_id",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

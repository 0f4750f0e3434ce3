from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from hub.core.limits import ID_MAX
from hub.core.permissions import objects_for
from hub.core.serializers import (
    DescriptionField,
    PermsField,
    StoredJSONField,
    StrictCharField,
    string_map_validator,
)
from hub.inventory.choices import AuthType, OsType
from hub.inventory.models import Account, Host, HostGroup
from hub.inventory.validators import (
    validate_address,
    validate_host_name,
    validate_private_key,
)

SECRET_FIELDS = ("password", "private_key", "passphrase", "become_password")


class VisiblePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related id the requesting user may view; others read as "does not exist"."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet[Any]:
        request = self.context.get("request")
        if request is None:
            return self.model._default_manager.all()
        return objects_for(request.user, self.model, "view")


class AccountSerializer(serializers.ModelSerializer):
    name = StrictCharField(
        max_length=100,
        validators=[
            UniqueValidator(Account.objects.all(), message="An account with this name exists.")
        ],
    )
    username = StrictCharField(max_length=64)
    become_user = StrictCharField(max_length=64, required=False)
    description = DescriptionField()
    password = StrictCharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, max_length=1024
    )
    private_key = StrictCharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, max_length=32768
    )
    passphrase = StrictCharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, max_length=1024
    )
    become_password = StrictCharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, max_length=1024
    )
    has_password = serializers.SerializerMethodField()
    has_private_key = serializers.SerializerMethodField()
    has_passphrase = serializers.SerializerMethodField()
    has_become_password = serializers.SerializerMethodField()
    perms = PermsField()

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "username",
            "auth_type",
            "password",
            "private_key",
            "passphrase",
            "become",
            "become_method",
            "become_user",
            "become_password",
            "description",
            "has_password",
            "has_private_key",
            "has_passphrase",
            "has_become_password",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_has_password(self, obj: Account) -> bool:
        return bool(obj.password)

    def get_has_private_key(self, obj: Account) -> bool:
        return bool(obj.private_key)

    def get_has_passphrase(self, obj: Account) -> bool:
        return bool(obj.passphrase)

    def get_has_become_password(self, obj: Account) -> bool:
        return bool(obj.become_password)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Write-only secrets: an omitted or empty secret keeps the stored one on update.
        for name in SECRET_FIELDS:
            if self.instance is not None and not attrs.get(name):
                attrs.pop(name, None)
        merged = {
            name: attrs.get(name, getattr(self.instance, name, ""))
            for name in (*SECRET_FIELDS, "auth_type")
        }
        auth_type = merged["auth_type"] or AuthType.PASSWORD
        if auth_type == AuthType.KEY:
            if not merged["private_key"]:
                raise serializers.ValidationError(
                    {"private_key": ["A private key is required for key authentication."]}
                )
            if "private_key" in attrs or "passphrase" in attrs:
                validate_private_key(merged["private_key"], merged["passphrase"])
        elif not merged["password"]:
            raise serializers.ValidationError(
                {"password": ["A password is required for password authentication."]}
            )
        return attrs


class HostGroupSerializer(serializers.ModelSerializer):
    name = StrictCharField(
        max_length=100,
        validators=[
            UniqueValidator(HostGroup.objects.all(), message="A group with this name exists.")
        ],
    )
    description = DescriptionField()
    # The stubs see Field.parent; at runtime DRF's metaclass moves declared fields out of
    # the class body into _declared_fields, so the API field "parent" shadows nothing.
    parent = VisiblePrimaryKeyField(  # type: ignore[assignment]
        HostGroup, allow_null=True, required=False
    )
    host_count = serializers.IntegerField(read_only=True, default=0)
    perms = PermsField()

    class Meta:
        model = HostGroup
        fields = [
            "id",
            "name",
            "parent",
            "description",
            "host_count",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_parent(self, parent: HostGroup | None) -> HostGroup | None:
        if (
            parent is not None
            and self.instance is not None
            and (parent.pk == self.instance.pk or self.instance.pk in parent.ancestor_ids())
        ):
            raise serializers.ValidationError("A group cannot be nested inside itself.")
        return parent


@extend_schema_field(
    {"type": "array", "items": {"$ref": "#/components/schemas/HostGroupTree"}, "readOnly": True}
)
class _SubtreeField(serializers.ListField):
    """Subgroups, each a HostGroupTree (a raw $ref: a serializer cannot nest itself)."""


class HostGroupTreeSerializer(HostGroupSerializer):
    """A group with its visible subgroups nested (documents GET /api/hosts/groups/tree/)."""

    children = _SubtreeField(read_only=True)

    class Meta(HostGroupSerializer.Meta):
        fields = [*HostGroupSerializer.Meta.fields, "children"]


class HostSerializer(serializers.ModelSerializer):
    name = StrictCharField(
        max_length=255,
        validators=[
            validate_host_name,
            UniqueValidator(Host.objects.all(), message="A host with this name exists."),
        ],
    )
    ip_address = StrictCharField(max_length=255)
    description = DescriptionField()
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    os_type = serializers.ChoiceField(choices=OsType.choices, required=False)
    labels = StoredJSONField(required=False, validators=[string_map_validator])
    account = VisiblePrimaryKeyField(Account, allow_null=True, required=False)
    account_name = serializers.CharField(source="account.name", read_only=True, default=None)
    groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)
    perms = PermsField()

    class Meta:
        model = Host
        fields = [
            "id",
            "name",
            "ip_address",
            "port",
            "os_type",
            "labels",
            "description",
            "account",
            "account_name",
            "groups",
            "status",
            "status_message",
            "last_checked_at",
            "source",
            "cloud_instance_id",
            "cloud_region",
            "cloud_missing",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = [
            "id",
            "status",
            "status_message",
            "last_checked_at",
            "source",
            "cloud_instance_id",
            "cloud_region",
            "cloud_missing",
            "created_at",
            "updated_at",
        ]

    def validate_ip_address(self, value: str) -> str:
        return validate_address(value.strip())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("os_type") == OsType.WINDOWS and "port" not in attrs and self.instance is None:
            attrs["port"] = 5985
        return attrs


class BulkImportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "yaml"])
    text = StrictCharField(max_length=2_000_000, trim_whitespace=False)


class BulkUpdateSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), min_length=1, max_length=5000
    )
    account = VisiblePrimaryKeyField(Account, allow_null=True, required=False)
    os_type = serializers.ChoiceField(choices=OsType.choices, required=False)
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    add_groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)
    remove_groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)
    labels = StoredJSONField(required=False, validators=[string_map_validator])


class BulkIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), min_length=1, max_length=5000
    )


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), help_text="Field -> messages."
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    # Serializer.errors in the stubs; a declared field leaves the class body at runtime
    # (DRF's metaclass), so the API field "errors" shadows nothing.
    errors = ImportRowErrorSerializer(many=True)  # type: ignore[assignment]


class BulkUpdateResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many hosts were changed.")


class BulkDeleteResultSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(help_text="How many hosts were deleted.")

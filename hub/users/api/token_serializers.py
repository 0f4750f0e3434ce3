from __future__ import annotations

from rest_framework import serializers

from hub.core.serializers import StrictCharField
from hub.users.choices import TokenScope
from hub.users.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as lists show it: never its secret, only the prefix that names it."""

    username = serializers.CharField(source="user.username", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "prefix",
            "user",
            "username",
            "expires_at",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """The new token, with its secret: the only answer that ever carries it."""

    token = serializers.CharField(
        read_only=True, help_text="The secret: shown in this answer only, never again."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

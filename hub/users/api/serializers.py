from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from hub.core.serializers import StrictCharField

User = get_user_model()


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=256, trim_whitespace=False, write_only=True)
    captcha_key = StrictCharField(max_length=64, required=False, allow_blank=True)
    captcha_value = StrictCharField(max_length=16, required=False, allow_blank=True)


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=2048)


class LogoutSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=2048, required=False, allow_blank=True)


class UserSerializer(serializers.ModelSerializer):
    password = StrictCharField(
        write_only=True, required=False, trim_whitespace=False, max_length=256
    )
    groups = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Group.objects.all(), required=False
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "last_login",
            "date_joined",
            "password",
        ]
        read_only_fields = ["id", "last_login", "date_joined"]

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["This field is required."]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Any:
        password = validated_data.pop("password")
        groups = validated_data.pop("groups", [])
        user = User(**validated_data)
        user.set_password(password)
        user.save()
        user.groups.set(groups)
        return user

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        password = validated_data.pop("password", None)
        if password:
            instance.set_password(password)
        return super().update(instance, validated_data)


class MeSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_staff",
            "is_superuser",
            "permissions",
            "last_login",
        ]

    def get_permissions(self, user: Any) -> list[str]:
        return sorted(user.get_all_permissions())


class LoginResultSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = MeSerializer()


class GrantSerializer(serializers.Serializer):
    object_type = StrictCharField(max_length=64)
    object_id = serializers.IntegerField(min_value=1)
    user_id = serializers.IntegerField(min_value=1, required=False)
    group_id = serializers.IntegerField(min_value=1, required=False)
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=["view", "change", "delete", "execute"]),
        min_length=1,
        max_length=4,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("user_id")) == bool(attrs.get("group_id")):
            raise serializers.ValidationError(
                {"user_id": ["Give exactly one of user_id or group_id."]}
            )
        return attrs


class HoldersQuerySerializer(serializers.Serializer):
    object_type = StrictCharField(max_length=64)
    object_id = serializers.IntegerField(min_value=1)


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class CaptchaSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    key = serializers.CharField(required=False)
    image = serializers.CharField(
        required=False, help_text="A data:image/png;base64 URL of the characters to type."
    )


class HolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    actions = serializers.ListField(child=serializers.CharField())


class HoldersSerializer(serializers.Serializer):
    users = HolderSerializer(many=True)
    groups = HolderSerializer(many=True)

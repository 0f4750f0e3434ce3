"""Serializer helpers shared by the domain APIs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from hub.core.permissions import perms_of


class PermsField(serializers.Field):
    """The requesting user's actions on the object: view / change / delete / execute."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return perms_of(request.user, value, self.context.get("perm_checker"))


class StrictCharField(serializers.CharField):
    """CharField that refuses non-strings instead of silently converting numbers/bools."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def string_map_validator(value: Any) -> None:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be an object of string keys and string values.")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise serializers.ValidationError("Keys and values must be strings.")
        if not key or len(key) > 63 or len(item) > 255:
            raise serializers.ValidationError(
                "Keys must be 1-63 characters and values at most 255.")


def string_list_validator(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 64
                                              for v in value):
        raise serializers.ValidationError("Must be a list of strings of 1-64 characters.")

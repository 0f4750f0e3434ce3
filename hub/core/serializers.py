"""Serializer helpers shared by the domain APIs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.core.permissions import OBJECT_ACTIONS, perms_of


@extend_schema_field(
    {
        "type": "array",
        "readOnly": True,
        "items": {"type": "string"},
        "description": "Actions the requesting user may do: " + ", ".join(OBJECT_ACTIONS) + ".",
    }
)
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


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StoredJSONField(serializers.JSONField):
    """JSONField that refuses NUL characters, which PostgreSQL's jsonb cannot store (a 500
    there otherwise, while SQLite would accept them)."""

    default_error_messages = {"nul": "Null characters are not allowed."}

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if _has_nul(value):
            self.fail("nul")
        return value


class DescriptionField(StrictCharField):
    """Free-form text, bounded so a megabyte paste is a 400 rather than a stored row."""

    MAX_LENGTH = 10_000

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", self.MAX_LENGTH)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


def string_map_validator(value: Any) -> None:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be an object of string keys and string values.")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise serializers.ValidationError("Keys and values must be strings.")
        if not key or len(key) > 63 or len(item) > 255:
            raise serializers.ValidationError(
                "Keys must be 1-63 characters and values at most 255."
            )


def string_list_validator(value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and 0 < len(v) <= 64 for v in value
    ):
        raise serializers.ValidationError("Must be a list of strings of 1-64 characters.")

"""drf-spectacular: the schema class and hook that keep the OpenAPI document truthful.

Every JSON response is documented inside the envelope; file responses stay what they are.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from rest_framework import serializers


def _blank_model_choice(field: serializers.Field) -> bool:
    """A read-only choice field over a `blank=True` model field can answer ""."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    source = field.source or ""
    if model is None or not isinstance(field, serializers.ChoiceField) or "." in source:
        return False
    try:
        return bool(model._meta.get_field(source).blank)
    except FieldDoesNotExist:
        return False


class HubAutoSchema(AutoSchema):
    """Documents what read-only fields really answer.

    DRF answers a field's `default=None` when a dotted `source` crosses a missing relation
    (`account.name` of a host without account), DRF drops `allow_blank` from read-only
    model choice fields although the model allows "", and drf-spectacular takes every
    `list` action for a list.
    """

    def _is_list_view(self, serializer: Any = None) -> bool:
        """A plain (non-generic) ViewSet's `list` answers what its annotation says: an
        object unless the annotated serializer is `many=True`."""
        if getattr(self.view, "action", None) == "list" and not hasattr(self.view, "get_queryset"):
            chosen = self.get_response_serializers() if serializer is None else serializer
            if isinstance(chosen, dict) and chosen:
                chosen = next(iter(chosen.values()))
            return is_list_serializer(chosen)
        return bool(super()._is_list_view(serializer))

    def _map_serializer_field(
        self, field: serializers.Field, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        if field.read_only and _blank_model_choice(field):
            field.allow_blank = True  # type: ignore[attr-defined]
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if field.read_only and field.default is None and "$ref" not in schema:
            schema["nullable"] = True
        return schema


def _wrapped(inner: dict[str, Any] | None, success: bool) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["code", "message", "success", "content"],
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string"},
            "success": {"type": "boolean", "enum": [success]},
            "content": inner or {"nullable": True},
        },
    }


def wrap_in_envelope(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if str(status) == "204":
                    continue  # No Content: an empty body, not an envelope
                content = response.setdefault("content", {})
                if content and "application/json" not in content:
                    continue  # a file (zip, gzip, text): documented as it is, no envelope
                media = content.setdefault("application/json", {})
                media["schema"] = _wrapped(media.get("schema"), str(status).startswith("2"))
            responses.setdefault(
                "400",
                {
                    "description": "Invalid input; content.errors names each field.",
                    "content": {
                        "application/json": {
                            "schema": _wrapped(
                                {"type": "object", "properties": {"errors": {"type": "object"}}},
                                False,
                            )
                        }
                    },
                },
            )
    return result


def _without_int64(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer" and node.get("format") == "int64":
            del node["format"]
        for value in node.values():
            _without_int64(value)
    elif isinstance(node, list):
        for value in node:
            _without_int64(value)


def same_schema_on_every_database(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Integer fields get `format: int64` from the database's integer range (SQLite's model
    IntegerField is 64-bit, PostgreSQL's 32-bit): dropped, so the schema, and the UI types
    generated from it, are the same whichever database built them."""
    _without_int64(result)
    return result

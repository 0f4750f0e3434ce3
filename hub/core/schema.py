"""drf-spectacular hook: documents every JSON response inside the envelope."""

from __future__ import annotations

from typing import Any


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
                content = response.setdefault("content", {})
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

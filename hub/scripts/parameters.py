"""Typed script parameters: validating declarations and resolving values at launch."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from hub.core.crypto import MASK, decrypt, encrypt
from hub.scripts.choices import ParameterType

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_KEYS = {"name", "type", "default", "required", "description", "choices"}


def _check_value(param: dict[str, Any], value: Any, where: str) -> Any:
    kind = param["type"]
    if kind == ParameterType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise serializers.ValidationError(f"{where} must be a number.")
    elif kind == ParameterType.HOST_LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError(f"{where} must be a list of host names.")
    elif not isinstance(value, str):
        raise serializers.ValidationError(f"{where} must be a string.")
    if kind == ParameterType.CHOICE and value not in param.get("choices", []):
        raise serializers.ValidationError(f"{where} must be one of {param.get('choices')}.")
    if isinstance(value, str) and len(value) > 65536:
        raise serializers.ValidationError(f"{where} is longer than 65536 characters.")
    return value


def clean_declarations(
    raw: Any, previous: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Validated parameter declarations; secret defaults come back encrypted.

    A secret default sent as the mask keeps the previous version's encrypted default.
    """
    if not isinstance(raw, list):
        raise serializers.ValidationError("Must be a list of parameter declarations.")
    if len(raw) > 100:
        raise serializers.ValidationError("At most 100 parameters.")
    old = {p["name"]: p for p in previous or []}
    cleaned, seen = [], set()
    for index, item in enumerate(raw):
        where = f"parameters[{index}]"
        if not isinstance(item, dict):
            raise serializers.ValidationError(f"{where} must be an object.")
        if unknown := set(item) - _KEYS:
            raise serializers.ValidationError(f"{where} has unknown keys {sorted(unknown)}.")
        name = item.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise serializers.ValidationError(f"{where}.name must be an identifier.")
        if name in seen:
            raise serializers.ValidationError(f"{where}.name {name!r} is declared twice.")
        seen.add(name)
        kind = item.get("type", ParameterType.STRING)
        if kind not in ParameterType.values:
            raise serializers.ValidationError(
                f"{where}.type must be one of {ParameterType.values}."
            )
        param: dict[str, Any] = {
            "name": name,
            "type": kind,
            "required": bool(item.get("required", False)),
            "description": str(item.get("description", ""))[:500],
        }
        if kind == ParameterType.CHOICE:
            choices = item.get("choices")
            if (
                not isinstance(choices, list)
                or not choices
                or not all(isinstance(c, str) for c in choices)
            ):
                raise serializers.ValidationError(f"{where}.choices must be a list of strings.")
            param["choices"] = choices
        default = item.get("default")
        if kind == ParameterType.SECRET:
            if default == MASK:  # the mask sent back keeps the stored default, if any
                param["default"] = old[name].get("default") if name in old else None
            elif default not in (None, ""):
                param["default"] = encrypt(str(_check_value(param, default, f"{where}.default")))
            else:
                param["default"] = None
        elif default is not None and default != "":
            param["default"] = _check_value(param, default, f"{where}.default")
        else:
            param["default"] = None
        cleaned.append(param)
    return cleaned


def public_declarations(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Declarations as the API shows them: secret defaults masked."""
    return [
        {
            **p,
            "default": MASK
            if p["type"] == ParameterType.SECRET and p.get("default")
            else p.get("default"),
        }
        for p in params
    ]


def resolve_values(
    params: list[dict[str, Any]], given: dict[str, Any] | None, field: str = "parameters"
) -> tuple[dict[str, Any], set[str]]:
    """Values for a launch: given ones checked, defaults filled, secrets decrypted.

    Returns the values and the names of the secret parameters (for masking).
    """
    given = dict(given or {})
    declared = {p["name"]: p for p in params}
    if unknown := set(given) - set(declared):
        raise serializers.ValidationError({field: [f"Unknown parameter(s): {sorted(unknown)}."]})
    values: dict[str, Any] = {}
    secrets_: set[str] = set()
    for name, param in declared.items():
        if param["type"] == ParameterType.SECRET:
            secrets_.add(name)
        if name in given and given[name] not in (None, MASK):
            try:
                values[name] = _check_value(param, given[name], f"{field}.{name}")
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({field: exc.detail}) from exc
        elif param.get("default") is not None:
            default = param["default"]
            values[name] = decrypt(default) if param["type"] == ParameterType.SECRET else default
        elif param.get("required"):
            raise serializers.ValidationError({field: [f"Parameter {name!r} is required."]})
        else:
            values[name] = [] if param["type"] == ParameterType.HOST_LIST else ""
    return values, secrets_

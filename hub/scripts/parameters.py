"""Typed script parameters: validating declarations and resolving values at launch."""

from __future__ import annotations

import json
import re
from typing import Any

from rest_framework import serializers

from hub.core.crypto import MASK, decrypt, encrypt
from hub.scripts.choices import ParameterType

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_KEYS = {"name", "type", "default", "required", "description", "choices"}
MAX_VALUE_CHARS = 65536


def empty_value(kind: str) -> Any:
    """What an unset optional parameter gets at launch: an empty value of its type."""
    if kind in (ParameterType.HOST_LIST, ParameterType.LIST):
        return []
    return {} if kind == ParameterType.DICT else ""


def _fail(where: str, problem: str) -> serializers.ValidationError:
    return serializers.ValidationError(f"{where}: {problem}.")


def _templated_key(value: Any) -> bool:
    """Values reach a playbook as !unsafe, keys cannot: they may hold no Jinja at all."""
    if isinstance(value, dict):
        return any(
            any(m in str(k) for m in ("{{", "{%", "{#")) or _templated_key(v)
            for k, v in value.items()
        )
    return isinstance(value, list) and any(_templated_key(v) for v in value)


def _check_type(kind: str, value: Any, where: str) -> None:
    if kind == ParameterType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(where, "must be a number")
    elif kind == ParameterType.BOOLEAN:
        if not isinstance(value, bool):
            raise _fail(where, "must be true or false")
    elif kind == ParameterType.HOST_LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _fail(where, "must be a list of host names")
    elif kind == ParameterType.LIST:
        if not isinstance(value, list):
            raise _fail(where, "must be a list")
        if _templated_key(value):
            raise _fail(where, "may not have keys with Jinja markers ({{, {%, {#)")
    elif kind == ParameterType.DICT:
        if not isinstance(value, dict):
            raise _fail(where, "must be a mapping (an object)")
        if _templated_key(value):
            raise _fail(where, "may not have keys with Jinja markers ({{, {%, {#)")
    elif kind == ParameterType.CHOICE:
        if isinstance(value, list | dict) or value is None:
            raise _fail(where, "must be one of the choices")
    elif not isinstance(value, str):
        raise _fail(where, "must be a string")


def _check_value(param: dict[str, Any], value: Any, where: str) -> Any:
    kind = param["type"]
    _check_type(kind, value, where)
    if kind == ParameterType.CHOICE and value not in param.get("choices", []):
        raise _fail(where, f"must be one of {param.get('choices')}")
    size = len(value) if isinstance(value, str) else len(json.dumps(value, default=str))
    if size > MAX_VALUE_CHARS:
        raise _fail(where, f"is longer than {MAX_VALUE_CHARS} characters")
    return value


def _choices(item: dict[str, Any], where: str) -> list[Any]:
    choices = item.get("choices")
    if (
        not isinstance(choices, list)
        or not choices
        or not all(isinstance(c, str | int | float) and not isinstance(c, bool) for c in choices)
    ):
        raise _fail(f"{where}.choices", "must be a list of strings or numbers")
    return choices


def _default(item: dict[str, Any], param: dict[str, Any], old: dict[str, Any], where: str) -> Any:
    default = item.get("default")
    if param["type"] == ParameterType.SECRET:
        if default == MASK:  # the mask sent back keeps the stored default, if any
            return old[param["name"]].get("default") if param["name"] in old else None
        if default in (None, ""):
            return None
        return encrypt(str(_check_value(param, default, f"{where}.default")))
    if default is None or default == "":
        return None
    return _check_value(param, default, f"{where}.default")


def _declaration(item: Any, index: int, seen: set[str], old: dict[str, Any]) -> dict[str, Any]:
    """One cleaned declaration; errors name it `parameters.<name>` once its name is known."""
    if not isinstance(item, dict):
        raise _fail(f"parameters[{index}]", "must be an object")
    name = item.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise _fail(f"parameters[{index}].name", "must be an identifier")
    where = f"parameters.{name}"
    if unknown := set(item) - _KEYS:
        raise _fail(where, f"has unknown keys {sorted(unknown)}")
    if name in seen:
        raise _fail(f"{where}.name", f"{name!r} is declared twice")
    seen.add(name)
    kind = item.get("type", ParameterType.STRING)
    if kind not in ParameterType.values:
        raise _fail(f"{where}.type", f"must be one of {ParameterType.values}")
    param: dict[str, Any] = {
        "name": name,
        "type": kind,
        "required": bool(item.get("required", False)),
        "description": str(item.get("description", ""))[:500],
    }
    if kind == ParameterType.CHOICE:
        param["choices"] = _choices(item, where)
    param["default"] = _default(item, param, old, where)
    return param


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
    seen: set[str] = set()
    return [_declaration(item, index, seen, old) for index, item in enumerate(raw)]


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
            values[name] = empty_value(param["type"])
    return values, secrets_

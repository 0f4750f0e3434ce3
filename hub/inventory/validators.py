"""Input checks for inventory fields: host names, addresses and SSH private keys."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from rest_framework import serializers

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)

# Host names are Ansible inventory names and appear in logs and the UI: any letters, digits,
# symbols (数据库-01, web 🚀 01) and inner spaces, but no control characters, no characters
# that Ansible patterns, Jinja or shells give a meaning to, no path separators and no `..`.
# Hub paths never use names anyway (hub.core.paths); this keeps inventories valid.
HOST_NAME_FORBIDDEN = set("/\\:,&!*?[]{}%'\"`$;|<>=()~^#")
HOST_NAME_RULE = (
    "Host names may not hold control characters, any of / \\ : , & ! * ? [ ] { } % ' \" ` $ "
    "; | < > = ( ) ~ ^ # or '..', nor start with '.', '-' or a space, nor end with a space "
    "(at most 255 characters)."
)


def is_host_name(name: str) -> bool:
    return (
        0 < len(name) <= 255
        and name[0] not in ".- "
        and not name.endswith(" ")
        and ".." not in name
        and not any(c in HOST_NAME_FORBIDDEN or unicodedata.category(c)[0] == "C" for c in name)
    )


def host_name_from(text: str, fallback: str) -> str:
    """A valid host name made from free text (a cloud instance's name): runs of other
    characters become '-'; fallback when nothing usable is left."""
    kept = "".join(
        "-" if c in HOST_NAME_FORBIDDEN or unicodedata.category(c)[0] == "C" else c for c in text
    )
    name = re.sub(r"-{2,}", "-", re.sub(r"\.{2,}", ".", kept)).strip(".- ")[:255].strip()
    return name if is_host_name(name) else fallback


def validate_host_name(value: str) -> None:
    if not is_host_name(value):
        raise serializers.ValidationError(HOST_NAME_RULE)


def validate_address(value: str) -> str:
    """An IPv4/IPv6 address or a DNS hostname."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if _HOSTNAME.match(value):
        return value
    raise serializers.ValidationError("Enter a valid IPv4/IPv6 address or hostname.")


def validate_private_key(key: str, passphrase: str) -> None:
    """Loads the key (OpenSSH or PEM) so a wrong key or passphrase is caught at save time."""
    data = key.strip().encode() + b"\n"
    secret = passphrase.encode() if passphrase else None
    loaders = (serialization.load_ssh_private_key, serialization.load_pem_private_key)
    errors: list[str] = []
    for loader in loaders:
        try:
            loader(data, password=secret)
            return
        except TypeError as exc:  # encrypted key without passphrase, or the reverse
            errors.append(str(exc))
        except ValueError as exc:
            errors.append(str(exc))
        except UnsupportedAlgorithm as exc:  # e.g. bcrypt-KDF OpenSSH keys without bcrypt
            raise serializers.ValidationError(
                {"private_key": [f"This private key cannot be opened here: {exc}."]}
            ) from exc
    # A wrong passphrase on an OpenSSH key decrypts to garbage: "broken checksum".
    hints = ("password", "encrypted", "broken checksum")
    if any(h in e.lower() for e in errors for h in hints):
        raise serializers.ValidationError(
            {"passphrase": ["The passphrase does not open this private key."]}
        )
    raise serializers.ValidationError(
        {"private_key": ["Not a valid private key (OpenSSH or PEM format expected)."]}
    )

"""Input checks for inventory fields: addresses and SSH private keys."""

from __future__ import annotations

import ipaddress
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from rest_framework import serializers

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


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

"""Model fields that keep secrets encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.db import models

from hub.core.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees the clear text. Empty stays empty."""

    secret = True

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        return encrypt(str(value)) if value else ""

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value)

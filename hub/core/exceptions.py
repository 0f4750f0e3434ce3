"""Domain exceptions shared by every app; the API handler maps them to 4xx envelopes."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions


class DomainError(Exception):
    """A business rule said no. `field` names the input it is about, when there is one."""

    status_code = 400

    def __init__(
        self, message: str, *, field: str = "non_field_errors", extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Structured details kept as they are (ints stay ints) next to the field errors.
        self.extra = extra or {}

    def as_api_exception(self) -> exceptions.APIException:
        exc = exceptions.APIException({self.field: [self.message]})
        exc.status_code = self.status_code
        return exc


class Conflict(DomainError):
    status_code = 409


class NotAllowed(DomainError):
    status_code = 403

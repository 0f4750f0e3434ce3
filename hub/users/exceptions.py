from __future__ import annotations

from typing import Any

from rest_framework import exceptions

from hub.core.exceptions import DomainError


class LoginFailed(DomainError):
    status_code = 401


class LockedOut(DomainError):
    """Too many failed logins: the attempt was not evaluated; retry after `retry_after` s."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int, field: str = "username") -> None:
        super().__init__(message, field=field, extra={"retry_after": retry_after})
        self.retry_after = retry_after

    def as_api_exception(self) -> exceptions.APIException:
        exc: Any = super().as_api_exception()
        exc.wait = self.retry_after  # DRF's handler turns `wait` into a Retry-After header
        return exc


class DirectoryUnavailable(DomainError):
    """The directory (LDAP / AD) could not be asked; local accounts still sign in."""

    status_code = 503

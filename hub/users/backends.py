"""The password backend, behind the login delays so the API and /admin/ share one guard.

A hub password is checked first; when it does not match, the directory (LDAP / AD, when
`ldap.enabled`) is asked (hub/users/ldap_login.py). One failure is counted per attempt.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from hub.core.middleware import client_ip
from hub.users import login_guard
from hub.users.ldap_login import authenticate_with_directory
from hub.users.services import record_failed_login


class GuardedModelBackend(ModelBackend):
    """ModelBackend that refuses delayed accounts/addresses and counts every failure."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        address = client_ip(request) if request is not None else None
        if login_guard.seconds_until_allowed(username=username, address=address):
            raise PermissionDenied  # authenticate() returns None and tries no other backend
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            user = authenticate_with_directory(request, username=username, password=password)
        if user is None:
            record_failed_login(username=username, address=address)
        else:
            login_guard.clear_account_failures(username=username)
        return user

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # ModelBackend's own async path would skip the guard.
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )

"""Shared fixtures: a private real Redis, users (owner/member/outsider), API clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session", autouse=True)
def redis_server() -> Iterator[str]:
    """A real redis-server for the whole run (the bundled one: loopback port + password)."""
    from django.conf import settings

    if os.environ.get("REDIS_URL"):
        yield settings.REDIS_URL
        return
    from hub.core.redis_server import is_alive, start_redis, stop_redis

    endpoint = settings.BUNDLED_REDIS
    process = None if is_alive(endpoint) else start_redis(endpoint, persistent=False)
    yield settings.REDIS_URL
    if process is not None:
        stop_redis(process)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RECOVERY_REDIS_GRACE_SECONDS = 0  # the session's Redis is young; tests of it set it


@pytest.fixture(autouse=True)
def _fresh_caches(redis_server: str) -> Iterator[None]:
    from django.core.cache import cache

    from hub.system.services import invalidate_settings_cache

    cache.clear()
    invalidate_settings_cache()
    yield
    invalidate_settings_cache()


@pytest.fixture
def admin(db: Any) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="root-admin", is_superuser=True, is_staff=True)


@pytest.fixture
def owner(db: Any) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="owner")


@pytest.fixture
def member(db: Any) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="member")


@pytest.fixture
def outsider(db: Any) -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="outsider")


@pytest.fixture
def client_for() -> Callable[[Any], Any]:
    from rest_framework.test import APIClient

    def make(user: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def api(client_for: Callable[[Any], Any], owner: Any) -> Any:
    return client_for(owner)

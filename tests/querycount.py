"""Measuring how many queries an API read takes, with the runtime settings cache pinned.

The settings are cached per process for a couple of seconds (hub.system.services); a
measured request must not reload them only because a loaded machine took longer than
that between two measurements, so the tests that compare counts pin them first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import ok


def pin_settings_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads the runtime settings now and keeps them for the rest of the test."""
    from hub.system import services

    services.get_setting("feature.object_permissions")  # loads all of them
    monkeypatch.setattr(services, "_CACHE_SECONDS", math.inf)


def queries_of(client: Any, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        ok(client.get(url, params or {}))
    return len(captured.captured_queries)


def assert_flat(
    client: Any,
    url: str,
    grow: Callable[[], None],
    *,
    at_most: int,
    assert_max: Any,
    params: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """The read of `url` takes the same number of queries (and no more than `at_most`)
    before and after `grow()` adds data; `assert_max` is pytest-django's
    django_assert_max_num_queries. Returns (before, after) for the record."""
    ok(client.get(url, params or {}))  # content types and guardian lookups warm
    with assert_max(at_most):
        before = queries_of(client, url, params)
    grow()
    with assert_max(before):
        after = queries_of(client, url, params)
    assert after == before
    return before, after

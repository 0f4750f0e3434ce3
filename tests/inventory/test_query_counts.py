"""The host list and detail take a fixed number of queries however many hosts, groups and
accounts there are (a member reads what was granted to them)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.permissions import grant
from tests.factories import AccountFactory, HostFactory, HostGroupFactory
from tests.helpers import ok
from tests.querycount import assert_flat, pin_settings_cache

pytestmark = pytest.mark.django_db
URL = "/api/hosts/"


@pytest.fixture(autouse=True)
def _pinned_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_settings_cache(monkeypatch)


def hosts_for(owner: Any, member: Any, count: int) -> list[Any]:
    """Hosts with an account and two groups each, viewable by the member."""
    made = []
    for _ in range(count):
        host = HostFactory(created_by=owner, account=AccountFactory(created_by=owner))
        host.groups.add(HostGroupFactory(created_by=owner), HostGroupFactory(created_by=owner))
        grant(member, host, ["view"])
        made.append(host)
    return made


def test_list_queries_do_not_grow_with_hosts(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(member)
    hosts_for(owner, member, 3)
    assert_flat(
        client,
        URL,
        lambda: hosts_for(owner, member, 27),
        at_most=5,
        assert_max=django_assert_max_num_queries,
        params={"page_size": 50},
    )
    assert ok(client.get(URL, {"page_size": 50}))["count"] == 30


def test_detail_queries_do_not_grow_with_its_groups(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    host = hosts_for(owner, member, 1)[0]
    client = client_for(member)

    def more_groups() -> None:
        host.groups.add(*(HostGroupFactory(created_by=owner) for _ in range(28)))

    assert_flat(
        client, f"{URL}{host.pk}/", more_groups, at_most=6, assert_max=django_assert_max_num_queries
    )
    assert len(ok(client.get(f"{URL}{host.pk}/"))["groups"]) == 30

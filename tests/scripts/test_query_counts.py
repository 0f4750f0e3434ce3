"""The script list and detail take a fixed number of queries however many scripts,
versions and parameters there are (as a member granted them)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.permissions import grant
from hub.scripts.models import ScriptVersion
from tests.factories import make_script
from tests.helpers import ok
from tests.querycount import assert_flat, pin_settings_cache

pytestmark = pytest.mark.django_db
URL = "/api/script-templates/"
PARAMETERS = [{"name": "msg", "type": "string", "default": "hi"}, {"name": "t", "type": "secret"}]


@pytest.fixture(autouse=True)
def _pinned_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_settings_cache(monkeypatch)


def script_for(owner: Any, member: Any) -> Any:
    script = make_script(owner, content='echo "$msg"\n', parameters=PARAMETERS)
    grant(member, script, ["view"])
    return script


def add_versions(script: Any, owner: Any, count: int) -> None:
    start = script.versions.count()
    ScriptVersion.objects.bulk_create(
        ScriptVersion(
            script=script, number=n, content=f"echo {n}\n", parameters=PARAMETERS, created_by=owner
        )
        for n in range(start + 1, start + count + 1)
    )


def test_list_queries_do_not_grow_with_scripts(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(member)
    for _ in range(3):
        add_versions(script_for(owner, member), owner, 2)

    def more() -> None:
        for _ in range(27):
            add_versions(script_for(owner, member), owner, 2)

    assert_flat(
        client,
        URL,
        more,
        at_most=4,
        assert_max=django_assert_max_num_queries,
        params={"page_size": 50},
    )
    assert ok(client.get(URL, {"page_size": 50}))["count"] == 30


def test_detail_queries_do_not_grow_with_versions(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    script = script_for(owner, member)
    add_versions(script, owner, 2)
    assert_flat(
        client_for(member),
        f"{URL}{script.pk}/",
        lambda: add_versions(script, owner, 27),
        at_most=5,
        assert_max=django_assert_max_num_queries,
    )

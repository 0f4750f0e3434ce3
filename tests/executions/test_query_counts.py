"""The execution list and detail take a fixed number of queries whatever the number of
executions, steps, hosts and result groups; the grouped results read exactly as before."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.executions.models import Execution, ExecutionStep, HostResult
from tests.helpers import ok
from tests.querycount import assert_flat, pin_settings_cache

pytestmark = pytest.mark.django_db
URL = "/api/executor/execution-records/"


@pytest.fixture(autouse=True)
def _pinned_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_settings_cache(monkeypatch)


def make_execution(owner: Any, name: str = "run") -> Execution:
    execution = Execution.objects.create(
        name=name, kind="quick_script", status="partial", created_by=owner
    )
    grant(owner, execution, OBJECT_ACTIONS)
    return execution


def add_results(
    execution: Execution,
    step_index: int,
    hosts: list[str],
    *,
    status: str,
    rc: int | None,
    output: str,
    digest: str,
) -> None:
    step, _ = ExecutionStep.objects.get_or_create(
        execution=execution,
        index=step_index,
        defaults={"name": f"step {step_index}", "step_type": "script"},
    )
    HostResult.objects.bulk_create(
        HostResult(
            execution=execution,
            step=step,
            host_name=name,
            ip_address="127.0.0.1",
            status=status,
            rc=rc,
            output_tail=output,
            output_digest=digest,
        )
        for name in hosts
    )


def add_groups(execution: Execution, count: int, start: int = 0) -> None:
    """`count` more result groups of two hosts each, each on a step of its own."""
    for n in range(start, start + count):
        add_results(
            execution,
            n + 1,
            [f"h{n}-a", f"h{n}-b"],
            status="failed",
            rc=n,
            output=f"out {n}",
            digest=f"d{n}",
        )


def test_detail_result_groups_read_exactly_as_before(api: Any, owner: Any) -> None:
    """Largest group first; equal sizes by step, status, then rc (none first); hosts by
    name, at most 50; the output is the group's (every member's) output tail. The content
    is what the two-queries-per-group version answered, byte for byte."""
    execution = make_execution(owner)
    nodes = [f"node-{n:02d}" for n in range(55)]
    add_results(execution, 1, nodes[::-1], status="success", rc=0, output="ok\n", digest="a")
    add_results(execution, 1, ["db-2", "db-1"], status="failed", rc=2, output="boom", digest="b")
    add_results(execution, 1, ["db-3"], status="failed", rc=1, output="bad", digest="c")
    add_results(execution, 1, ["cache"], status="unreachable", rc=None, output="", digest="e")
    add_results(
        execution, 2, ["web-3", "web-1", "web-2"], status="success", rc=0, output="up\n", digest="f"
    )
    add_results(execution, 2, ["db-9"], status="skipped", rc=None, output="", digest="")
    for rc, names in ((1, ["t2", "t1"]), (None, ["t4", "t3"]), (3, ["t6", "t5"])):
        add_results(execution, 3, names, status="failed", rc=rc, output="same", digest=f"t{rc}")
    groups = ok(api.get(f"{URL}{execution.pk}/"))["result_groups"]
    keys = ("step", "status", "rc", "count", "output", "hosts")
    assert groups == [
        dict(zip(keys, values, strict=True))
        for values in [
            (1, "success", 0, 55, "ok\n", nodes[:50]),
            (2, "success", 0, 3, "up\n", ["web-1", "web-2", "web-3"]),
            (1, "failed", 2, 2, "boom", ["db-1", "db-2"]),
            (3, "failed", None, 2, "same", ["t3", "t4"]),
            (3, "failed", 1, 2, "same", ["t1", "t2"]),
            (3, "failed", 3, 2, "same", ["t5", "t6"]),
            (1, "failed", 1, 1, "bad", ["db-3"]),
            (1, "unreachable", None, 1, "", ["cache"]),
            (2, "skipped", None, 1, "", ["db-9"]),
        ]
    ]


def test_result_groups_of_an_execution_without_results_are_empty(api: Any, owner: Any) -> None:
    assert ok(api.get(f"{URL}{make_execution(owner).pk}/"))["result_groups"] == []


def test_detail_queries_do_not_grow_with_steps_hosts_and_groups(
    api: Any, owner: Any, django_assert_max_num_queries: Any
) -> None:
    execution = make_execution(owner)
    add_groups(execution, 3)
    assert_flat(
        api,
        f"{URL}{execution.pk}/",
        lambda: add_groups(execution, 27, start=3),
        at_most=6,
        assert_max=django_assert_max_num_queries,
    )
    assert len(ok(api.get(f"{URL}{execution.pk}/"))["result_groups"]) == 30


def test_list_queries_do_not_grow_with_executions(
    api: Any, owner: Any, django_assert_max_num_queries: Any
) -> None:
    def more() -> None:
        for n in range(27):
            add_groups(make_execution(owner, f"more-{n}"), 1)

    for n in range(3):
        add_groups(make_execution(owner, f"run-{n}"), 1)
    assert_flat(
        api,
        URL,
        more,
        at_most=2,
        assert_max=django_assert_max_num_queries,
        params={"page_size": 50},
    )
    assert ok(api.get(URL, {"page_size": 50}))["count"] == 30

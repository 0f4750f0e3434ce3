"""The pure status logic at the end of a run (hub/executions/engine.py): each host's
outcome, the summary counts, the execution's overall status and each step's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.executions.engine import _finalize_steps, _host_outcomes, _overall_status, _summary
from hub.executions.models import Execution, ExecutionStep, HostResult

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("outcomes", "stopped", "error", "expected"),
    [
        ({}, False, "", "success"),
        ({"a": "success", "b": "success"}, False, "", "success"),
        ({"a": "success", "b": "skipped"}, False, "", "success"),  # skipped is not bad
        ({"a": "success", "b": "failed"}, False, "", "partial"),
        ({"a": "success", "b": "lost"}, False, "", "partial"),
        ({"a": "success", "b": "stopped"}, False, "", "partial"),
        ({"a": "failed", "b": "failed"}, False, "", "failed"),
        ({"a": "unreachable", "b": "unreachable"}, False, "", "unreachable"),
        ({"a": "timeout"}, False, "", "timeout"),
        ({"a": "unreachable", "b": "timeout"}, False, "", "failed"),  # mixed kinds of bad
        ({"a": "failed", "b": "unreachable"}, False, "", "failed"),
        ({"a": "lost", "b": "lost"}, False, "", "failed"),
        ({"a": "stopped"}, False, "", "failed"),  # hosts stopped, run not: not "stopped"
        ({"a": "success"}, False, "Compile error", "failed"),  # an error fails the run
        ({"a": "success"}, True, "", "stopped"),
        ({"a": "failed"}, True, "Compile error", "stopped"),  # a stop wins over the error
        ({}, False, "Worker lost", "failed"),
    ],
)
def test_overall_status(outcomes: dict[str, str], stopped: bool, error: str, expected: str) -> None:
    assert _overall_status(outcomes, stopped=stopped, error=error) == expected


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ({}, {}),
        ({"a": "success", "b": "success", "c": "failed"}, {"success": 2, "failed": 1}),
        (
            {"a": "unreachable", "b": "timeout", "c": "stopped", "d": "skipped", "e": "lost"},
            {"unreachable": 1, "timeout": 1, "stopped": 1, "skipped": 1, "lost": 1},
        ),
        ({"a": "pending", "b": "running"}, {}),  # counted in the total only
    ],
)
def test_summary(outcomes: dict[str, str], expected: dict[str, int]) -> None:
    statuses = ("success", "failed", "unreachable", "timeout", "stopped", "skipped", "lost")
    assert _summary(outcomes) == {
        "total": len(outcomes),
        **{s: expected.get(s, 0) for s in statuses},
    }


def execution_with(
    rows: list[tuple[int, str, str]],
    ignored: tuple[int, ...] = (),
    finished: dict[tuple[int, str], int] | None = None,
) -> Execution:
    """An execution whose steps (1..n, `ignored` ones with ignore_errors) have these
    (step index, host, status) results; `finished` maps (step index, host) to minutes after T0."""
    indexes = sorted({index for index, _host, _status in rows})
    execution = Execution.objects.create(
        name="run",
        kind="plan",
        spec={"steps": [{"index": i, "ignore_errors": i in ignored} for i in indexes]},
    )
    steps = {
        i: ExecutionStep.objects.create(
            execution=execution, index=i, name=f"s{i}", step_type="script"
        )
        for i in indexes
    }
    finished = finished or {}
    HostResult.objects.bulk_create(
        HostResult(
            execution=execution,
            step=steps[index],
            host_name=host,
            status=status,
            finished_at=(
                T0 + timedelta(minutes=finished[(index, host)])
                if (index, host) in finished
                else None
            ),
        )
        for index, host, status in rows
    )
    return execution


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "ignored", "expected"),
    [
        ([(1, "a", "success"), (1, "b", "failed")], (), {"a": "success", "b": "failed"}),
        # the worst result over the steps
        ([(1, "a", "failed"), (2, "a", "success")], (), {"a": "failed"}),
        ([(1, "a", "success"), (2, "a", "skipped")], (), {"a": "success"}),
        ([(1, "a", "timeout"), (2, "a", "unreachable")], (), {"a": "unreachable"}),
        ([(1, "a", "unreachable"), (2, "a", "stopped")], (), {"a": "stopped"}),
        ([(1, "a", "stopped"), (2, "a", "lost")], (), {"a": "lost"}),
        ([(1, "a", "lost"), (2, "a", "failed")], (), {"a": "lost"}),
        ([(1, "a", "skipped"), (2, "a", "skipped")], (), {"a": "skipped"}),
        # a failure on a step that ignores errors counts as a success...
        ([(1, "a", "failed"), (2, "a", "success")], (1,), {"a": "success"}),
        ([(1, "a", "failed")], (1,), {"a": "success"}),
        # ...but only on that step, and only a failure (not unreachable, timeout, lost)
        ([(1, "a", "failed"), (2, "a", "failed")], (1,), {"a": "failed"}),
        (
            [(1, "a", "unreachable"), (1, "b", "timeout")],
            (1,),
            {"a": "unreachable", "b": "timeout"},
        ),
        ([(1, "a", "lost")], (1,), {"a": "lost"}),
    ],
)
def test_host_outcomes(
    rows: list[tuple[int, str, str]], ignored: tuple[int, ...], expected: dict[str, str]
) -> None:
    assert _host_outcomes(execution_with(rows, ignored)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statuses", "ignore_errors", "expected"),
    [
        (["success", "success"], False, "success"),
        (["success", "skipped"], False, "success"),
        (["skipped", "skipped"], False, "pending"),  # the step never ran
        (["skipped", "pending"], False, "pending"),
        (["success", "failed"], False, "partial"),
        (["success", "lost"], False, "partial"),
        (["failed", "failed"], False, "failed"),
        (["failed", "skipped"], False, "failed"),  # every host that ran failed
        (["failed", "unreachable"], False, "failed"),
        (["timeout"], False, "failed"),
        (["lost", "lost"], False, "failed"),
        (["success", "stopped"], False, "stopped"),  # a stopped host stops the step
        (["failed", "stopped"], False, "stopped"),
        (["skipped", "stopped"], False, "stopped"),
        (["success", "failed"], True, "success"),  # failures ignored
        (["failed", "failed"], True, "success"),
        (["failed", "unreachable"], True, "partial"),  # unreachable is never ignored
        (["success", "unreachable"], True, "partial"),
    ],
)
def test_finalize_steps_sets_each_steps_status(
    statuses: list[str], ignore_errors: bool, expected: str
) -> None:
    rows = [(1, f"h{n}", status) for n, status in enumerate(statuses)]
    execution = execution_with(rows, ignored=(1,) if ignore_errors else ())
    _finalize_steps(execution)
    assert ExecutionStep.objects.get(execution=execution).status == expected


@pytest.mark.django_db
def test_finalize_steps_judges_each_step_alone_and_ends_it_with_its_last_host() -> None:
    rows = [(1, "a", "success"), (1, "b", "success"), (2, "a", "failed"), (2, "b", "success")]
    rows += [(3, "a", "skipped"), (3, "b", "skipped")]
    finished = {(1, "a"): 5, (1, "b"): 3, (2, "a"): 9, (2, "b"): 11}
    execution = execution_with(rows, ignored=(2,), finished=finished)
    _finalize_steps(execution)
    steps = ExecutionStep.objects.filter(execution=execution).order_by("index")
    assert [(s.index, s.status) for s in steps] == [(1, "success"), (2, "success"), (3, "pending")]
    assert [s.finished_at for s in steps] == [
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=11),
        None,  # no host finished it
    ]

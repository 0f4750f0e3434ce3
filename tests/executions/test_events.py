"""The event reducer: small per-host records from ansible-runner events."""

from __future__ import annotations

from hub.executions.events import ReducerState, is_auth_failure, reduce_event


def play(name: str) -> dict:
    return {"event": "playbook_on_play_start", "event_data": {"play": name}}


def test_steps_follow_play_names_across_serial_batches() -> None:
    state = ReducerState()
    assert reduce_event(play("Step 1 - a"), state) == {
        "kind": "step_start",
        "step": 1,
        "text": "Step 1 - a",
    }
    assert reduce_event(play("Step 2 - b"), state)["kind"] == "step_start"
    assert reduce_event(play("Step 2 - b"), state) == {
        "kind": "batch_start",
        "step": 2,
        "text": "Step 2 - b",
    }
    assert state.step == 2


def test_host_results_carry_status_rc_and_text() -> None:
    state = ReducerState(step=1)
    start = reduce_event({"event": "runner_on_start", "event_data": {"host": "h1"}}, state)
    assert start["kind"] == "host_start" and state.running == {"h1"}
    failed = reduce_event(
        {
            "event": "runner_on_failed",
            "event_data": {
                "host": "h1",
                "ignore_errors": True,
                "res": {"rc": 3, "stdout": "out", "stderr": "err", "msg": "non-zero return code"},
            },
        },
        state,
    )
    assert failed["status"] == "failed" and failed["rc"] == 3 and failed["ignored"] == 1
    assert failed["text"] == "out\nerr" and state.running == set()
    streamed = reduce_event(
        {
            "event": "runner_on_ok",
            "event_data": {
                "host": "h1",
                "res": {"rc": 0, "stdout": "already streamed", "hub_streamed": True},
            },
        },
        state,
    )
    assert streamed["text"] == ""


def test_timeouts_stops_and_auth_failures_are_recognised() -> None:
    state = ReducerState(step=1)
    timeout = reduce_event(
        {
            "event": "runner_on_failed",
            "event_data": {
                "host": "h",
                "res": {"rc": 124, "hub_timeout": True, "msg": "timed out"},
            },
        },
        state,
    )
    stopped = reduce_event(
        {
            "event": "runner_on_failed",
            "event_data": {"host": "h", "res": {"hub_stopped": True, "msg": "stopped by user"}},
        },
        state,
    )
    assert (timeout["status"], stopped["status"]) == ("timeout", "stopped")
    assert is_auth_failure("root@127.0.0.1: Permission denied (publickey).")
    assert not is_auth_failure("Connection refused")
    assert reduce_event({"event": "playbook_on_stats", "event_data": {}}, state) is None

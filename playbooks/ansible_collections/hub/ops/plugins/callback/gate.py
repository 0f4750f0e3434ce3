# Copyright: (c) 2025, OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import time
import typing as t

from ansible.plugins.callback import CallbackBase
from ansible_collections.hub.ops.plugins.module_utils.hub_events import HubEvents, now

DOCUMENTATION = r"""
---
name: gate
type: aggregate
short_description: Hold a playbook between tasks while the hub has paused its execution
version_added: 1.0.0
description:
  - Before each play, task and handler (also at the start of every C(serial) batch) reads the
    Redis key named by E(HUB_CONTROL_KEY).
  - While the value is C(pause), publishes one C(paused) event to E(HUB_EVENT_STREAM) and
    waits, checking every 0.2 seconds. When the value becomes empty or C(resume), publishes
    C(resumed) and lets the playbook go on. C(stop) releases the gate at once (the hub then
    cancels the run).
  - A task that is already running is not interrupted; M(hub.ops.live_script) handles C(stop)
    for running scripts.
  - Without E(HUB_CONTROL_KEY) in the environment this plugin does nothing; with it, each
    task costs one Redis C(GET).
  - If Redis cannot be reached, a warning is shown once and the playbook is never held.
  - In a play whose vars set C(hub_failure_policy=pause), a failed or unreachable host sets
    the control key to C(pause); the running batch finishes and the next one waits here
    until the hub resumes (rolling steps that wait for confirmation after a failure).
requirements:
  - redis (Python library, on the controller)
  - enable in configuration, e.g. E(ANSIBLE_CALLBACKS_ENABLED=hub.ops.gate)
notes:
  - Events use the Lua script C(append_event.lua) from this collection, the same one the hub
    uses, so all writers share one gapless sequence.
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = hub.ops.gate
#
# environment of ansible-playbook:
#   HUB_REDIS_URL=redis://127.0.0.1:6379/0
#   HUB_CONTROL_KEY=exec:42:control
#   HUB_EVENT_STREAM=exec:42
#   HUB_EVENT_SEQ=exec:42:seq
"""

POLL_SECONDS = 0.2


class CallbackModule(CallbackBase):
    """Waits before plays and tasks while the hub's control key says ``pause``."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "hub.ops.gate"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._events = HubEvents.from_env(warn=self._display.warning)
        self._step = ""
        self._policy = ""

    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        self._step = self._play_step(play)
        self._policy = self._play_var(play, "hub_failure_policy")
        self._wait_while_paused()

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        if not ignore_errors:
            self._pause_after_failure(result)

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._pause_after_failure(result)

    def _pause_after_failure(self, result: t.Any) -> None:
        """Rolling steps with the `pause` failure policy wait for confirmation after a failure:
        the running batch finishes, the next one waits at the gate until resumed."""
        if self._events is None or self._policy != "pause":
            return
        if self._events.request_pause():
            host = getattr(getattr(result, "_host", None), "name", "")
            self._events.publish(
                kind="log",
                step=self._step,
                host=host,
                ts=now(),
                text=f"{host} failed: pausing before the next batch "
                "(failure policy: pause). Resume to go on, stop to end.",
            )

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        if self._events is not None and self._events.waiting:
            self._events.flush()  # events kept while Redis was away, before the playbook ends

    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        self._wait_while_paused()

    def v2_playbook_on_handler_task_start(self, task: t.Any) -> None:
        self._wait_while_paused()

    @staticmethod
    def _play_var(play: t.Any, name: str) -> str:
        try:
            value = (play.vars or {}).get(name, "")
        except AttributeError:
            return ""
        value = "" if value is None else str(value)
        return "" if "{{" in value else value

    def _play_step(self, play: t.Any) -> str:
        return self._play_var(play, "hub_step")

    def _wait_while_paused(self) -> None:
        if self._events is None or not self._events.control_key:
            return
        if self._events.control() != "pause":
            return
        self._events.publish(kind="paused", step=self._step, ts=now())
        while True:
            time.sleep(POLL_SECONDS)
            state = self._events.control()
            if state == "stop":
                return
            if state != "pause":
                self._events.publish(kind="resumed", step=self._step, ts=now())
                return

"""Test-only callback: appends every task result as one JSON line to $HUB_TEST_RESULTS."""

from __future__ import annotations

import json
import os
import time
import typing as t

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
---
name: record_results
type: aggregate
short_description: Write task results as JSON lines (tests only)
description:
  - Appends host, task, status and the result dict of every task to E(HUB_TEST_RESULTS).
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status: str, result: t.Any) -> None:
        path = os.environ.get("HUB_TEST_RESULTS")
        if not path:
            return
        line = {
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "status": status,
            "time": time.time(),
            "result": result._result,
        }
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._record("ok", result)

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._record("unreachable", result)

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self._record("skipped", result)

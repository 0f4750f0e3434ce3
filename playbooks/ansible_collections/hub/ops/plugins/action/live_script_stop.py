# Copyright: (c) 2025, OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hub.ops.live_script_stop: finish what a live_script left when its controller died.

Given the private dir that ``live_script`` announced (its ``remote_start`` event, published
before the script started) and the byte offsets its ``output`` events reached, one remote
command stops the script if it still runs (TERM, then KILL; only a process group that is
still the script's, found in the dir's pid file), reads the output written since, publishes
it like ``live_script`` would (masked, as ``output`` events) and removes the dir.

The result tells how the script ended: ``hub_recovered`` is ``finished`` (it ended on its
own: ``rc`` is its exit code), ``stopped`` (this task stopped it) or ``gone`` (the dir no
longer exists: nothing is known).
"""

from __future__ import annotations

import datetime
import math
import posixpath
import re
import shlex
import typing as t

from ansible.errors import AnsibleActionFail, AnsibleActionSkip
from ansible.plugins.action import ActionBase
from ansible_collections.hub.ops.plugins.action.live_script import (
    _SH_STOP,
    CHUNK_LIMIT,
    KILL_GRACE,
    STEP,
)
from ansible_collections.hub.ops.plugins.action.live_script import (
    ActionModule as LiveScript,
)

_NAME = re.compile(r"hub-ls\.[A-Za-z0-9_-]{6,64}")


def _dir_expression(path: str) -> str:
    """The shell expression of a live_script dir: its name (under $TMPDIR or /tmp, as the
    script saw it) or an absolute path ending in such a name, without `..`."""
    if _NAME.fullmatch(path):
        return f'"${{TMPDIR:-/tmp}}/{path}"'
    if (
        path.startswith("/")
        and ".." not in path.split("/")
        and _NAME.fullmatch(posixpath.basename(path))
        and not any(c in path for c in "\n\0")
    ):
        return shlex.quote(path)
    raise AnsibleActionFail(f"live_script_stop: {path!r} is not a live_script directory")


class ActionModule(LiveScript):
    """Stops a live_script whose controller died and publishes the output it left."""

    ARGUMENT_SPEC: t.ClassVar[dict[str, t.Any]] = {
        "pid": {"type": "int", "default": 0},
        "dir": {"type": "str", "required": True},
        "stdout_offset": {"type": "int", "default": 0},
        "stderr_offset": {"type": "int", "default": 0},
    }

    def run(
        self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None
    ) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        _, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        ActionBase.run(self, tmp, task_vars)
        if self._task.check_mode:
            raise AnsibleActionSkip("Check mode is not supported for this task.")
        if args["pid"] < 0 or min(args["stdout_offset"], args["stderr_offset"]) < 0:
            raise AnsibleActionFail("live_script_stop: pid and offsets must not be negative")
        self._setup(args, task_vars)
        self._where = _dir_expression(args["dir"])
        self._pgid = args["pid"] if args["pid"] > 1 else 0
        self._streams["O"].offset = args["stdout_offset"]
        self._streams["E"].offset = args["stderr_offset"]
        started = datetime.datetime.now()
        return self._result(self._collect(), started)

    def _stop_command(self) -> str:
        return _SH_STOP % {
            "dir": self._where,
            "pgid": self._pgid or 0,
            "functions": self._functions(),
            "grace_iters": math.ceil(KILL_GRACE / STEP),
            "out": self._streams["O"].offset,
            "err": self._streams["E"].offset,
            "nonce": self._nonce,
            "chunk": CHUNK_LIMIT,
        }

    def _collect(self) -> dict[str, t.Any]:
        killed: tuple[str, str] | None = None
        while True:  # the same command again reads on: a stopped group is not signalled again
            frame = self._exec(self._stop_command())
            if frame.gone:
                msg = "its temp dir was gone: how the script ended is not known"
                return {"rc": -1, "failed": True, "msg": msg, "hub_recovered": "gone"}
            killed = killed or frame.killed
            self._consume(frame, final=not frame.more)
            if not frame.more:
                break
        if frame.rc is not None and killed is None:
            return {"rc": frame.rc, "hub_recovered": "finished"}
        result: dict[str, t.Any] = {"rc": -15, "failed": True, "hub_recovered": "stopped"}
        result["msg"] = "stopped: its controller was lost"
        if killed is not None and killed[0] == "KILL":
            result["rc"] = -9
        if killed is not None and killed[1] != "GONE":
            result["msg"] += "; its process group is still alive after SIGKILL"
        elif killed is None:
            result["msg"] = "it ended without an exit code (killed outside the hub?)"
        return result

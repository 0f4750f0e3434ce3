# Copyright: (c) 2025, OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds only documentation: the work is done by the action plugin of the same name.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: live_script_stop
short_description: Stop a live_script whose controller died and collect the output it left
version_added: 1.0.0
description:
  - For a script started by M(hub.ops.live_script) whose controller (ansible-playbook, its
    worker) died while it ran. Stops the script's process group if it still runs and is
    still the script's (TERM, then KILL after 2 s), reads the output it wrote past the given
    byte offsets, publishes it like M(hub.ops.live_script) does, and removes its directory.
  - One remote command (more only for output over 1 MiB); needs only a POSIX shell.
  - C(dir) and the offsets come from the C(remote_start) and C(output) events
    M(hub.ops.live_script) published; C(remote_start) is published before the script starts,
    so a controller that died at any point leaves a dir that this module can find.
options:
  pid:
    description:
      - Process group id of the script's wrapper; C(0) reads it from the dir's C(pid) file.
      - A group is signalled only while its leader is gone or is the script's wrapper, so a
        reused id is never signalled.
    type: int
    default: 0
  dir:
    description:
      - The script's private directory, as the C(dir) of C(remote_start) names it
        (C(hub-ls.<random>), under E(TMPDIR) or C(/tmp) of the remote user), or its
        absolute path.
    type: str
    required: true
  stdout_offset:
    description: Bytes of stdout already published (the last C(offset) of its stdout events).
    type: int
    default: 0
  stderr_offset:
    description: Bytes of stderr already published.
    type: int
    default: 0
notes:
  - Set C(hub_mask) and C(hub_step) as for M(hub.ops.live_script).
  - Check mode is not supported; the task is skipped.
author:
  - OPS Job contributors
"""

EXAMPLES = r"""
- name: Stop what a lost run left and keep its output
  hub.ops.live_script_stop:
    dir: hub-ls.0f3a9c1d2b7e4a65
    stdout_offset: 1024
"""

RETURN = r"""
hub_recovered:
  description: C(finished) (it ended by itself), C(stopped) (stopped now) or C(gone).
  returned: always
  type: str
rc:
  description: The script's exit code when finished; -15 or -9 when stopped; -1 when gone.
  returned: always
  type: int
stdout:
  description: The output read now (masked), at most the last 1 MiB.
  returned: always
  type: str
stderr:
  description: The error output read now (masked), at most the last 1 MiB.
  returned: always
  type: str
"""

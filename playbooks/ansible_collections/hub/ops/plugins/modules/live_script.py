# Copyright: (c) 2025, OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# This file holds only documentation: the work is done by the action plugin of the same name.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: live_script
short_description: Run a local script on a remote node and stream its output while it runs
version_added: 1.0.0
description:
  - Transfers a script from the controller to the remote node and runs it, like
    M(ansible.builtin.script), but publishes its stdout and stderr while it runs.
  - Needs only a POSIX shell on the remote node, no Python.
  - The script is started detached in its own session with its output going to files in a
    private temporary directory; the controller polls those files over the persistent
    connection and keeps byte offsets, so every byte is read exactly once.
  - A short script costs one remote command; a long one costs one more command per poll.
  - When the controller environment sets E(HUB_EVENT_STREAM), every new chunk of output is
    appended to that Redis Stream (see E(HUB_REDIS_URL), E(HUB_EVENT_SEQ),
    E(HUB_EVENT_MAXLEN)) with the Lua script C(append_event.lua) shipped in this collection.
  - When the controller environment sets E(HUB_CONTROL_KEY), the key is read on every poll;
    the value C(stop) kills the script's process group and fails the task.
options:
  script:
    description:
      - Path of the script on the controller.
      - A relative path is searched in the C(files/) directories, like M(ansible.builtin.script)
        does.
    type: str
    required: true
  executable:
    description:
      - Interpreter to run the script with, for example C(bash), C(sh), C(python3) or C(perl).
      - When omitted, the script is made executable and run directly (its shebang decides).
    type: str
  argv:
    description:
      - Arguments for the script. Each item reaches the script as exactly one argument;
        items are quoted, never interpreted by a shell.
    type: list
    elements: str
    default: []
  chdir:
    description:
      - Absolute path of a directory on the remote node to run the script in.
    type: str
  timeout:
    description:
      - Seconds after which the script's process group is killed and the task fails.
      - C(0) means no limit.
    type: int
    default: 0
  poll_interval:
    description:
      - Seconds between polls of the remote output while the script runs.
      - Each poll waits on the remote side for new output, so a line usually arrives sooner.
    type: float
    default: 0.25
notes:
  - The task O(ignore:environment) keyword applies to the script, and C(become) works, every
    remote command goes through the become method.
  - Set the task variable C(hub_mask) to a list of strings to replace each of them with
    C(******) in the published chunks and in the result.
  - Set the task variable C(hub_step) to label the published events.
  - Output is read without a pseudo-terminal, so stdout and stderr stay separate and line
    endings are not changed.
  - Check mode is not supported; the task is skipped.
seealso:
  - module: ansible.builtin.script
  - module: ansible.builtin.shell
author:
  - OPS Job contributors
attributes:
  check_mode:
    support: none
    description: Can run in check_mode and return changed status prediction.
  diff_mode:
    support: none
    description: Will return details on what has changed (or possibly needs changing in diff_mode).
  platform:
    platforms: posix
    description: Target OS/families that can be operated against.
"""

EXAMPLES = r"""
- name: Run a deployment script and stream its output
  hub.ops.live_script:
    script: deploy.sh
    argv:
      - "--release"
      - "2025.06"
    timeout: 1800

- name: Run a Python script with an environment variable, in a directory
  hub.ops.live_script:
    script: scripts/report.py
    executable: python3
    chdir: /srv/app
  environment:
    REPORT_LEVEL: full

- name: Hide a password from the output
  hub.ops.live_script:
    script: rotate.sh
    argv:
      - "{{ db_password }}"
  vars:
    hub_mask:
      - "{{ db_password }}"
"""

RETURN = r"""
rc:
  description:
    - Exit code of the script; C(124) after a timeout, C(-15) or C(-9) after a stop.
  returned: always
  type: int
  sample: 0
stdout:
  description:
    - Standard output of the script (secrets masked). When it exceeds 1 MiB only the last
      1 MiB is kept, after a C([... N bytes truncated ...]) line.
  returned: always
  type: str
  sample: "line1\nline2\n"
stdout_lines:
  description: O(ignore:stdout) split into lines.
  returned: always
  type: list
  elements: str
  sample: ["line1", "line2"]
stderr:
  description: Standard error of the script, kept and masked like the standard output.
  returned: always
  type: str
  sample: ""
stderr_lines:
  description: O(ignore:stderr) split into lines.
  returned: always
  type: list
  elements: str
  sample: []
start:
  description: When the script was started, on the controller's clock.
  returned: always
  type: str
  sample: "2025-06-01 12:00:00.000001"
end:
  description: When the script ended, on the controller's clock.
  returned: always
  type: str
  sample: "2025-06-01 12:00:05.000001"
delta:
  description: How long the script ran.
  returned: always
  type: str
  sample: "0:00:05.000000"
hub_streamed:
  description: Whether output chunks were published to the hub's Redis Stream.
  returned: always
  type: bool
  sample: true
hub_stopped:
  description: Present and true when the script was stopped through the control key.
  returned: when stopped
  type: bool
  sample: true
hub_timeout:
  description: Present and true when the script was killed after O(timeout) seconds.
  returned: when timed out
  type: bool
  sample: true
"""

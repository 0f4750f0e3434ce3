# Copyright: (c) 2025, OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hub.ops.live_script: run a controller-side script on the target and stream its output.

How it works (everything runs through ``_low_level_execute_command``, so become and the
persistent SSH connection apply, and the target needs only a POSIX shell):

1. ONE command creates a private dir (``hub-ls.<random>`` under ``$TMPDIR`` or /tmp, made with
   ``mkdir`` under umask 077: it fails if the name exists), writes the script from
   stdin (``cat``), starts a wrapper detached in its own session (``setsid``, else ``set -m``)
   that runs the script with stdout/stderr redirected to ``out``/``err`` files and writes the
   exit code to ``rc`` when it ends, waits up to ~0.5 s, and prints a frame. A short script is
   finished by then: the frame carries its output and rc, and the dir is already removed.
2. Otherwise each poll is one command that waits remotely (up to ``poll_interval``) for new
   bytes or the rc file, then prints a frame with the bytes past the offsets it was given.
3. Stop (control key) and timeout send one command that kills the process group (TERM, then
   KILL after 2 s), prints a last frame and removes the dir.

Arguments and environment never ride on a command line (``ps`` on the target or the
controller would show them): they go over stdin, ahead of the script, into a 0600 launch
file ``e`` (``export NAME='value'`` lines and ``set -- 'arg'...``) that the script's own
shell sources and removes before the script's first line runs. For Python and Perl the
wrapper sources it, writes the arguments NUL-separated to ``a`` with the shell's builtin
printf, and a small launcher reads and removes that file and sets ``sys.argv``/``@ARGV``.
The wrapper file ``w`` then holds only paths.

Passing data on stdin keeps ssh from allocating a pty (a pty turns ``\\n`` into ``\\r\\n``).
A frame, after a ``@HUB-LS-<nonce>@`` marker line, is::

    P <pgid> <dir>\\n                      (start command only)
    R <rc or ->\\n                          (read BEFORE the sizes, so a present rc
    O <offset> <count> <size>\\n<bytes>\\n    means both chunks are complete)
    E <offset> <count> <size>\\n<bytes>\\n
    K <TERM|KILL> <GONE|ALIVE>\\n           (kill command only)
    G\\n                                    (stop command only: no such dir)
    C\\n                                    (the dir was removed)
    END\\n

The dir's name is chosen here and published (``remote_start``) before the start command runs,
and every ``output`` event carries ``offset``: the byte offset in that remote file up to
which its text (and all before it) was published. When the controller dies mid-run,
``hub.ops.live_script_stop`` finds the dir by that name, stops the process group if it
still runs and publishes the output past the offsets.
"""

from __future__ import annotations

import codecs
import datetime
import math
import re
import secrets
import shlex
import time
import typing as t

from ansible.errors import AnsibleActionFail, AnsibleActionSkip, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.hub.ops.plugins.module_utils.hub_events import HubEvents, now

display = Display()

MASK = "******"
RESULT_LIMIT = 1024 * 1024  # bytes of stdout/stderr kept in the task result
CHUNK_LIMIT = 1024 * 1024  # bytes per stream per remote command
INLINE_LIMIT = 16 * 1024  # script bytes per command without stdin (quoting may grow it 5x)
STEP = 0.05  # remote sleep granularity, seconds
START_WAIT = 0.5  # how long the start command waits for a short script to finish
KILL_GRACE = 2.0  # seconds between TERM and KILL

# Shell functions shared by all remote commands. $1 tag, $2 file, $3 offset, $4 max bytes.
_SH_CHUNK = r"""hub_chunk() {
  s=$(wc -c 2>/dev/null < "$2") || s=0
  n=$(( $s - $3 )); [ "$n" -gt "$4" ] && n=$4; [ "$n" -lt 0 ] && n=0
  printf '%%s %%s %%s %%s\n' "$1" "$3" "$n" $(( $s ))
  [ "$n" -gt 0 ] && tail -c +$(( $3 + 1 )) "$2" 2>/dev/null | head -c "$n"
  printf '\n'
  [ $(( $3 + $n )) -ge $(( $s )) ] || hub_more=1
}
hub_frame() {
  hub_more=0
  hub_done=0
  if [ -f "$d/rc" ]; then printf 'R %%s\n' "$(cat "$d/rc")"; hub_done=1; else echo 'R -'; fi
  hub_chunk O "$d/out" "$1" "$3"
  hub_chunk E "$d/err" "$2" "$3"
}
hub_sleep() { sleep %(step)s 2>/dev/null || sleep 1; }
hub_fail() { rm -rf "$d"; exit "$1"; }
"""

# The detached wrapper; $1 is the private dir. %(run)s is the script invocation, which may
# source the launch file and so replace the positional parameters: the dir is kept in hub_d.
_SH_WRAPPER = """echo $$ > "$1/pid"
hub_d=$1
%(prepare)s
%(run)s </dev/null >>"$hub_d/out" 2>>"$hub_d/err"
echo $? > "$hub_d/rc.t" && mv -f "$hub_d/rc.t" "$hub_d/rc"
"""

SHELLS = {"sh", "bash", "dash", "ksh", "mksh", "zsh", "ash", "busybox"}

# The script's shell sources the launch file (environment, `set -- args`) then the script.
_SH_SOURCED = '%(shell)s -c \'. "${0%%/s}/e"; rm -f "${0%%/s}/e"; . "$0"\' "$hub_d/s"'

# The wrapper sources the launch file; the arguments go NUL-separated to a file (printf is
# a shell builtin: no command line carries them) that the interpreter's launcher reads.
_SH_ARGS_FILE = """. "$hub_d/e"; rm -f "$hub_d/e"
[ $# -gt 0 ] && printf '%s\\0' "$@" > "$hub_d/a"; : >> "$hub_d/a"; set --"""

_PY_LAUNCHER = (
    "import os,runpy,sys;d=sys.argv[1];f=open(d+'/a','rb');a=f.read();f.close();"
    "os.remove(d+'/a');sys.argv=[d+'/s']+[x.decode('utf-8','surrogateescape') "
    "for x in a.split(bytes(1))[:-1]];sys.path[0]=d;runpy.run_path(d+'/s',run_name='__main__')"
)
_PL_LAUNCHER = (
    'my $d=shift;open(my $f,"<","$d/a") or die "launch file: $!";'
    'binmode $f;local $/;my $a=<$f>;close $f;unlink "$d/a";'
    '@ARGV=split(/\\0/,$a,-1);pop @ARGV;$0="$d/s";do $0;die $@ if $@;'
)

_SH_START = r"""umask 077
%(functions)s
%(make_dir)s
%(write_launch)s
%(write_script)s
printf '%%s' %(wrapper)s > "$d/w" || hub_fail 92
chmod 700 "$d/s" && : >> "$d/out" && : >> "$d/err" || hub_fail 93
if command -v setsid >/dev/null 2>&1; then
  setsid /bin/sh "$d/w" "$d" </dev/null >/dev/null 2>&1 &
else
  set -m; /bin/sh "$d/w" "$d" </dev/null >/dev/null 2>&1 &
fi
i=0
while [ ! -f "$d/rc" ] && [ $i -lt %(start_iters)d ]; do hub_sleep; i=$((i+1)); done
i=0
while [ ! -s "$d/pid" ] && [ $i -lt 200 ]; do hub_sleep; i=$((i+1)); done
printf '\n@HUB-LS-%(nonce)s@\nP %%s %%s\n' "$(cat "$d/pid" 2>/dev/null)" "$d"
hub_frame 0 0 %(chunk)d
[ "$hub_done" = 1 ] && [ "$hub_more" = 0 ] && rm -rf "$d" && echo C
echo END
"""

_SH_POLL = r"""d=%(dir)s
%(functions)s
i=0
while [ ! -f "$d/rc" ] && [ $i -lt %(iters)d ]; do
  [ $(( $(wc -c < "$d/out") )) -gt %(out)d ] && break
  [ $(( $(wc -c < "$d/err") )) -gt %(err)d ] && break
  hub_sleep; i=$((i+1))
done
printf '\n@HUB-LS-%(nonce)s@\n'
hub_frame %(out)d %(err)d %(chunk)d
[ "$hub_done" = 1 ] && [ "$hub_more" = 0 ] && rm -rf "$d" && echo C
echo END
"""

_SH_KILL = r"""d=%(dir)s
p=%(pgid)d
%(functions)s
sig=TERM
kill -TERM -$p 2>/dev/null
i=0
while kill -0 -$p 2>/dev/null && [ $i -lt %(grace_iters)d ]; do hub_sleep; i=$((i+1)); done
if kill -0 -$p 2>/dev/null; then sig=KILL; kill -KILL -$p 2>/dev/null; hub_sleep; fi
if kill -0 -$p 2>/dev/null; then st=ALIVE; else st=GONE; fi
printf '\n@HUB-LS-%(nonce)s@\n'
hub_frame %(out)d %(err)d %(chunk)d
printf 'K %%s %%s\n' "$sig" "$st"
rm -rf "$d" && echo C
echo END
"""

# hub.ops.live_script_stop: a script whose controller died. Killed only while it runs and
# only if the group is still ours (process $p is gone, so its pid cannot be reused while
# the group lives, or it is our wrapper); then the output past the offsets it was given.
_SH_STOP = r"""d=%(dir)s
p=%(pgid)d
[ "$p" -gt 1 ] || p=$(cat "$d/pid" 2>/dev/null)
case "$p" in ''|*[!0-9]*) p=0 ;; esac
%(functions)s
hub_ours() {
  [ -r "/proc/$p/cmdline" ] || return 0
  tr '\000' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF "$d/w"
}
printf '\n@HUB-LS-%(nonce)s@\n'
if [ ! -d "$d" ]; then echo G; echo END; exit 0; fi
if [ ! -f "$d/rc" ] && [ "$p" -gt 1 ] && kill -0 -$p 2>/dev/null && hub_ours; then
  sig=TERM
  kill -TERM -$p 2>/dev/null
  i=0
  while kill -0 -$p 2>/dev/null && [ $i -lt %(grace_iters)d ]; do hub_sleep; i=$((i+1)); done
  if kill -0 -$p 2>/dev/null; then sig=KILL; kill -KILL -$p 2>/dev/null; hub_sleep; fi
  if kill -0 -$p 2>/dev/null; then st=ALIVE; else st=GONE; fi
  printf 'K %%s %%s\n' "$sig" "$st"
fi
hub_frame %(out)d %(err)d %(chunk)d
[ "$hub_more" = 0 ] && rm -rf "$d" && echo C
echo END
"""


def _text(value: t.Any) -> str:
    """A module option's value as the script sees it; None (an unset value) is empty."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _shebang(source: bytes) -> list[str]:
    """The interpreter words of a script's #! line (`/usr/bin/env X` gives X); none: sh."""
    if not source.startswith(b"#!"):
        return ["/bin/sh"]
    words = source[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
    if words and words[0].rsplit("/", 1)[-1] == "env":
        words = [w for w in words[1:] if not w.startswith("-")][:1]
    return words


def _interpreter_kind(words: list[str]) -> str:
    base = words[0].rsplit("/", 1)[-1] if words else ""
    if base in SHELLS:
        return "shell"
    if re.fullmatch(r"python[0-9.]*", base):
        return "python"
    return "perl" if base == "perl" else "other"


class _Masker:
    """Replaces secrets in a stream of text chunks, even when one is split across chunks.

    The tail of the text that could be the start of a secret is held back until the next
    chunk (or the end) shows whether it is one.
    """

    def __init__(self, words: t.Iterable[str]) -> None:
        self.words = sorted({w for w in words if w}, key=len, reverse=True)
        self.regex = re.compile("|".join(map(re.escape, self.words))) if self.words else None
        self.pending = ""

    def mask(self, text: str) -> str:
        return self.regex.sub(MASK, text) if self.regex else text

    def feed(self, text: str) -> str:
        if self.regex is None:
            return text
        buf = self.pending + text
        cut = len(buf) - self._held(buf)
        for match in self.regex.finditer(buf):
            if match.start() < cut < match.end():
                cut = match.end()
        self.pending = buf[cut:]
        return self.regex.sub(MASK, buf[:cut])

    def flush(self) -> str:
        rest, self.pending = self.pending, ""
        return self.mask(rest)

    def _held(self, buf: str) -> int:
        for k in range(min(len(self.words[0]) - 1, len(buf)), 0, -1):
            tail = buf[-k:]
            if any(w.startswith(tail) and len(w) > k for w in self.words):
                return k
        return 0


class _Tail:
    """Keeps the last RESULT_LIMIT bytes of a text and counts what was dropped."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.size += len(text.encode("utf-8", "surrogatepass"))
            if self.size > 2 * RESULT_LIMIT:
                self._trim()

    def _trim(self) -> None:
        data = "".join(self.parts).encode("utf-8", "surrogatepass")
        if len(data) > RESULT_LIMIT:
            self.dropped += len(data) - RESULT_LIMIT
            data = data[-RESULT_LIMIT:]
        self.parts = [data.decode("utf-8", "ignore")]
        self.size = len(data)

    def text(self) -> str:
        self._trim()
        body = "".join(self.parts)
        return f"[... {self.dropped} bytes truncated ...]\n{body}" if self.dropped else body


class _Stream:
    """One remote output file: byte offset, incremental UTF-8 decoding, masking, result tail."""

    def __init__(self, name: str, masker: _Masker) -> None:
        self.name = name
        self.offset = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.masker = masker
        self.tail = _Tail()

    def feed(self, data: bytes, final: bool = False) -> str:
        self.offset += len(data)
        text = self.masker.feed(self.decoder.decode(data, final))
        if final:
            text += self.masker.flush()
        self.tail.add(text)
        return text

    @property
    def published(self) -> int:
        """Bytes of the remote file whose text has been handed out: what the decoder holds
        (a split character) and the masker holds back (a possible secret) is not."""
        held = len(self.decoder.getstate()[0])
        return self.offset - held - len(self.masker.pending.encode("utf-8", "surrogatepass"))


class _Frame(t.NamedTuple):
    pgid: int | None
    tmpdir: str | None
    rc: int | None
    chunks: dict[str, tuple[int, bytes]]
    more: bool
    cleaned: bool
    killed: tuple[str, str] | None
    gone: bool = False


def _parse_frame(raw: bytes, marker: bytes) -> _Frame:
    pos = raw.find(marker)
    if pos < 0:
        raise ValueError("no live_script frame in the output")
    pos += len(marker)
    pgid = tmpdir = rc = killed = None
    chunks: dict[str, tuple[int, bytes]] = {}
    more = cleaned = gone = False
    while True:
        end = raw.index(b"\n", pos)
        line = raw[pos:end].decode("utf-8", "surrogateescape")
        pos = end + 1
        tag, _, rest = line.partition(" ")
        if tag == "END":
            break
        if tag == "P":
            pid_text, _, tmpdir = rest.partition(" ")
            pgid = int(pid_text) if pid_text.isdigit() else None
        elif tag == "R":
            rc = None if rest.strip() in ("-", "") else int(rest.strip())
        elif tag in ("O", "E"):
            offset, count, size = (int(x) for x in rest.split())
            chunks[tag] = (offset, raw[pos : pos + count])
            more = more or offset + count < size
            pos += count + 1
        elif tag == "K":
            sig, _, state = rest.partition(" ")
            killed = (sig, state)
        elif tag == "C":
            cleaned = True
        elif tag == "G":
            gone = True
        elif tag:
            raise ValueError(f"unexpected line in live_script frame: {line!r}")
    return _Frame(pgid, tmpdir, rc, chunks, more, cleaned, killed, gone)


class ActionModule(ActionBase):
    """Runs a script detached on the target and streams its output while it runs."""

    TRANSFERS_FILES = False  # we make our own private dir in the start command: no extra trip
    _requires_connection = True

    ARGUMENT_SPEC: t.ClassVar[dict[str, t.Any]] = {
        "script": {"type": "str", "required": True},
        "executable": {"type": "str"},
        "argv": {"type": "list", "elements": "raw", "default": []},
        "env": {"type": "dict", "default": {}},
        "secret_env": {"type": "dict", "default": {}, "no_log": True},
        "chdir": {"type": "str"},
        "timeout": {"type": "int", "default": 0},
        "poll_interval": {"type": "float", "default": 0.25},
    }

    def run(
        self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None
    ) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        _, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        super().run(tmp, task_vars)
        if self._task.check_mode:
            raise AnsibleActionSkip("Check mode is not supported for this task.")
        if args["poll_interval"] <= 0:
            raise AnsibleActionFail("poll_interval must be greater than 0")
        if args["timeout"] < 0:
            raise AnsibleActionFail("timeout must be 0 (none) or a number of seconds")
        chdir = args["chdir"]
        if chdir and not chdir.startswith("/"):
            raise AnsibleActionFail(f"chdir {chdir} must be an absolute path")
        self._setup(args, task_vars)
        return self._run_script(args)

    # -- setup ---------------------------------------------------------------------------

    def _setup(self, args: dict[str, t.Any], task_vars: dict[str, t.Any]) -> None:
        self._nonce = secrets.token_hex(8)
        self._marker = f"\n@HUB-LS-{self._nonce}@\n".encode()
        self._host = str(task_vars.get("inventory_hostname") or self._play_context.remote_addr)
        self._step = str(self._template_var(task_vars, "hub_step") or "")
        mask = self._template_var(task_vars, "hub_mask") or []
        if isinstance(mask, str):
            mask = [mask]
        self._masker = _Masker(str(m) for m in mask)
        self._streams = {
            "O": _Stream("stdout", _Masker(self._masker.words)),
            "E": _Stream("stderr", _Masker(self._masker.words)),
        }
        self._events = HubEvents.from_env(warn=display.warning)
        self._streamed = False
        self._use_stdin = self._connection.has_pipelining and (
            not self._connection.become or getattr(self._connection.become, "pipelining", True)
        )
        self._pgid: int | None = None
        self._tmpdir: str | None = None
        self._dir_name = "hub-ls." + secrets.token_hex(8)

    def _template_var(self, task_vars: dict[str, t.Any], name: str) -> t.Any:
        if name not in task_vars:
            return None
        return self._templar.template(task_vars[name])

    def _script_source(self, script: str) -> bytes:
        try:
            path = self._loader.get_real_file(
                self._find_needle("files", script), decrypt=self._task.args.get("decrypt", True)
            )
        except AnsibleError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        with open(path, "rb") as handle:
            return handle.read()

    # -- remote commands ------------------------------------------------------------------

    def _functions(self) -> str:
        return _SH_CHUNK % {"step": STEP}

    def _exec(self, cmd: str, data: bytes | None = None) -> _Frame:
        if self._use_stdin:
            in_data = data if data else b"\n"  # any stdin keeps ssh from allocating a pty
        else:
            cmd = "stty -onlcr -echo 2>/dev/null\n" + cmd
            in_data = None
        # no trailing newline: ansible appends " && sleep 0" to the command
        res = self._low_level_execute_command(cmd.strip(), sudoable=True, in_data=in_data)
        raw = to_bytes(res.get("stdout", ""), errors="surrogate_or_strict")
        try:
            return _parse_frame(raw, self._marker)
        except (ValueError, IndexError) as exc:
            err = to_text(res.get("stderr", "")).strip()
            out = to_text(raw[-2000:], errors="replace").strip()
            raise AnsibleActionFail(
                f"live_script: unexpected reply from the target (rc={res.get('rc')}, {exc}): "
                f"{err or out}"
            ) from exc

    def _launch_file(self, args: dict[str, t.Any]) -> bytes:
        """The 0600 launch file: the environment as exports and the arguments as `set --`."""
        env = {**(args["env"] or {}), **(args["secret_env"] or {})}
        env.update(self._task_environment())
        lines = []
        for name, value in env.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
                raise AnsibleActionFail(f"live_script: {name!r} is not a valid variable name")
            lines.append(f"export {name}={shlex.quote(_text(value))}")
        if args["argv"]:
            lines.append("set -- " + " ".join(shlex.quote(_text(a)) for a in args["argv"]))
        return "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n" if lines else b""

    def _task_environment(self) -> dict[str, t.Any]:
        """The task's `environment:` keyword, merged in order, into the launch file too."""
        merged: dict[str, t.Any] = {}
        for item in self._task.environment or []:
            value = self._templar.template(item)
            if isinstance(value, dict):
                merged.update(value)
        return merged

    def _holds_secret(self, text: str) -> bool:
        return self._masker.mask(text) != text

    def _invocation(
        self, words: list[str], launch: bool, source: bytes, argv: list[t.Any]
    ) -> tuple[str, str]:
        """(preparation, command) of the wrapper for this interpreter."""
        quoted = " ".join(shlex.quote(w) for w in words)
        if not launch:
            return ":", f'{quoted} "$hub_d/s"'.strip()
        kind = _interpreter_kind(words or _shebang(source))
        if kind == "shell":
            shell = quoted or "/bin/sh"
            if not words:  # the shebang's own interpreter
                shell = " ".join(shlex.quote(w) for w in _shebang(source)) or "/bin/sh"
            return ":", _SH_SOURCED % {"shell": shell}
        if kind in ("python", "perl"):
            interpreter = quoted or " ".join(shlex.quote(w) for w in _shebang(source))
            flag, code = ("-c", _PY_LAUNCHER) if kind == "python" else ("-e", _PL_LAUNCHER)
            return _SH_ARGS_FILE, f'{interpreter} {flag} {shlex.quote(code)} "$hub_d"'
        # Other interpreters get the environment from the launch file, arguments on argv.
        if any(self._holds_secret(_text(a)) for a in argv):
            raise AnsibleActionFail(
                f"live_script: secret arguments are passed only to shell, Python and Perl "
                f"scripts (not {words[0] if words else 'this script'}); read the secret "
                "from its environment variable instead"
            )
        words_argv = " ".join(shlex.quote(_text(a)) for a in argv)
        prepare = '. "$hub_d/e"; rm -f "$hub_d/e"; set --'
        return prepare, f'{quoted} "$hub_d/s" {words_argv}'.strip()

    def _start_command(self, args: dict[str, t.Any], source: bytes) -> tuple[str, bytes | None]:
        words = shlex.split(args["executable"]) if args["executable"] else []
        launch = self._launch_file(args)
        prepare, run = self._invocation(words, bool(launch), source, list(args["argv"]))
        if args["chdir"]:
            run = f"( cd {shlex.quote(args['chdir'])} && {run} )"
        make_dir = f'd="${{TMPDIR:-/tmp}}/{self._dir_name}"\nmkdir -m 700 "$d" || exit 90'
        data: bytes | None = None
        write_launch = ":"
        if self._use_stdin:
            write_script, data = 'cat > "$d/s" || hub_fail 91', launch + source
            if launch:  # exactly that many bytes: dd reads one at a time, the rest is the script
                write_launch = f'dd bs=1 count={len(launch)} of="$d/e" 2>/dev/null || hub_fail 94'
        else:
            text = launch.decode("utf-8", "surrogateescape")
            if self._holds_secret(text):
                raise AnsibleActionFail(
                    "live_script: secret values need a connection that accepts stdin (ssh "
                    "with pipelining, local) and a become method that supports pipelining "
                    "(sudo, not su): they are never put on a command line"
                )
            write_script, make_dir = self._inline_pieces(source, make_dir)
            if launch:
                write_launch = f"printf '%s' {shlex.quote(text)} > \"$d/e\" || hub_fail 94"
        cmd = _SH_START % {
            "functions": self._functions(),
            "make_dir": make_dir,
            "write_launch": write_launch,
            "write_script": write_script,
            "wrapper": shlex.quote(_SH_WRAPPER % {"run": run, "prepare": prepare}),
            "start_iters": math.ceil(START_WAIT / STEP),
            "nonce": self._nonce,
            "chunk": CHUNK_LIMIT,
        }
        return cmd, data

    def _inline_pieces(self, source: bytes, make_dir: str) -> tuple[str, str]:
        """Without stdin the script rides inside commands, as the become user (no chmod dance).

        A small script goes in the start command itself; a larger one is appended in pieces
        by earlier commands (one round trip per INLINE_LIMIT bytes). Bytes that are not UTF-8
        survive: commands are encoded back with surrogateescape. Only NUL cannot be sent.
        """
        if b"\0" in source:
            raise AnsibleActionFail(
                "live_script: a script containing NUL bytes needs a connection that accepts "
                "stdin (ssh, local) and a become method that supports pipelining (not su)"
            )
        pieces = [source[i : i + INLINE_LIMIT] for i in range(0, len(source), INLINE_LIMIT)]
        pieces = [to_text(p, errors="surrogateescape") for p in pieces] or [""]
        for n, piece in enumerate(pieces[:-1]):
            if n == 0:
                write = f"printf '%s' {shlex.quote(piece)} > \"$d/s\" || hub_fail 91"
                cmd = f"umask 077\n{self._functions()}\n{make_dir}\n{write}\n"
                cmd += "printf '\\n@DIR@%s\\n' \"$d\""
                res = self._low_level_execute_command(f"stty -onlcr 2>/dev/null\n{cmd}")
                tmpdir = res["stdout"].rpartition("@DIR@")[2].strip()
                if res["rc"] != 0 or not tmpdir.startswith("/"):
                    raise AnsibleActionFail(f"live_script: cannot create a temp dir: {res}")
                self._tmpdir = tmpdir
                make_dir = f"d={shlex.quote(tmpdir)}"
            else:
                cmd = f"printf '%s' {shlex.quote(piece)} >> {shlex.quote(self._tmpdir or '')}/s"
                res = self._low_level_execute_command(cmd)
                if res["rc"] != 0:
                    raise AnsibleActionFail(f"live_script: cannot write the script: {res}")
        redirect = ">>" if len(pieces) > 1 else ">"
        return f"printf '%s' {shlex.quote(pieces[-1])} {redirect} \"$d/s\" || hub_fail 91", make_dir

    def _poll(self, wait: float) -> _Frame:
        cmd = _SH_POLL % {
            "dir": shlex.quote(self._tmpdir or ""),
            "functions": self._functions(),
            "iters": math.ceil(wait / STEP) if wait > 0 else 0,
            "out": self._streams["O"].offset,
            "err": self._streams["E"].offset,
            "nonce": self._nonce,
            "chunk": CHUNK_LIMIT,
        }
        return self._exec(cmd)

    def _kill(self) -> _Frame | None:
        if not self._pgid or not self._tmpdir:
            return None
        cmd = _SH_KILL % {
            "dir": shlex.quote(self._tmpdir),
            "pgid": self._pgid,
            "functions": self._functions(),
            "grace_iters": math.ceil(KILL_GRACE / STEP),
            "out": self._streams["O"].offset,
            "err": self._streams["E"].offset,
            "nonce": self._nonce,
            "chunk": CHUNK_LIMIT,
        }
        return self._exec(cmd)

    # -- main loop ------------------------------------------------------------------------

    def _run_script(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        source = self._script_source(args["script"])
        started = datetime.datetime.now()
        t0 = time.monotonic()
        cmd, data = self._start_command(args, source)
        # before the start: should this controller die from here on, the dir can be found
        self._publish(kind="remote_start", dir=self._dir_name)
        try:
            frame = self._exec(cmd, data)
            self._pgid, self._tmpdir = frame.pgid, frame.tmpdir or self._tmpdir
            outcome = self._follow(frame, args, t0)
        except Exception:
            self._kill_quietly()
            raise
        return self._result(outcome, started)

    def _follow(self, frame: _Frame, args: dict[str, t.Any], t0: float) -> dict[str, t.Any]:
        interval, timeout = args["poll_interval"], args["timeout"]
        while True:
            self._consume(frame)
            if frame.rc is not None and not frame.more:
                return {"rc": frame.rc}
            if self._events is not None and self._events.control() == "stop":
                return self._stop(rc=-15, msg="stopped by user", flag="hub_stopped")
            elapsed = time.monotonic() - t0
            if timeout and elapsed >= timeout:
                return self._stop(rc=124, msg=f"timed out after {timeout} s", flag="hub_timeout")
            wait = 0.0 if frame.more else interval
            if timeout:
                wait = min(wait, max(timeout - elapsed, STEP))
            polled = time.monotonic()
            frame = self._poll(wait)
            got_data = any(data for _, data in frame.chunks.values())
            spare = interval - (time.monotonic() - polled)
            if got_data and frame.rc is None and not frame.more and spare > 0:
                time.sleep(spare)  # batch bursts: at most one poll per interval while data flows

    def _stop(self, *, rc: int, msg: str, flag: str) -> dict[str, t.Any]:
        frame = self._kill()
        if frame is not None:
            self._consume(frame)
        state = frame.killed if frame is not None else None
        result: dict[str, t.Any] = {"rc": rc, "msg": msg, flag: True, "failed": True}
        if state and state[1] != "GONE":
            result["msg"] = f"{msg}; process group {self._pgid} still alive after SIGKILL"
        if rc == -15 and state and state[0] == "KILL":
            result["rc"] = -9
        return result

    def _kill_quietly(self) -> None:
        try:
            self._kill()
        except Exception as exc:  # best effort while another error propagates
            display.warning(f"live_script: could not stop the remote script: {exc}")

    def _consume(self, frame: _Frame, final: bool | None = None) -> None:
        if frame.cleaned:
            self._pgid = None  # the group is gone; never signal a pgid that may be reused
        if final is None:
            final = (frame.rc is not None and not frame.more) or frame.killed is not None
        for tag, stream in self._streams.items():
            offset, data = frame.chunks.get(tag, (stream.offset, b""))
            if offset != stream.offset:
                raise AnsibleActionFail(f"live_script: offset {offset} != {stream.offset}")
            text = stream.feed(data, final=final)
            if text:
                self._publish(kind="output", stream=stream.name, text=text, offset=stream.published)

    def _publish(self, **fields: t.Any) -> None:
        if self._events is None or not self._events.publishes:
            return
        event = {"kind": fields.pop("kind"), "step": self._step, "host": self._host, **fields}
        event["ts"] = now()
        if self._events.publish(**event) is not None and event["kind"] == "output":
            self._streamed = True

    def _result(self, outcome: dict[str, t.Any], started: datetime.datetime) -> dict[str, t.Any]:
        if self._events is not None and self._events.waiting:
            self._events.flush()  # output kept while Redis was away goes out before the result
        ended = datetime.datetime.now()
        stdout = self._streams["O"].tail.text()
        stderr = self._streams["E"].tail.text()
        result: dict[str, t.Any] = {
            "changed": True,
            "rc": outcome["rc"],
            "stdout": stdout,
            "stderr": stderr,
            "stdout_lines": stdout.splitlines(),
            "stderr_lines": stderr.splitlines(),
            "start": str(started),
            "end": str(ended),
            "delta": str(ended - started),
            "hub_streamed": self._streamed,
        }
        result.update(outcome)
        result.setdefault("failed", outcome["rc"] != 0)
        if result["failed"]:
            result.setdefault("msg", "non-zero return code")
        return result

"""Real OpenSSH test hosts: sshd processes listening on 127.0.0.x loopback addresses.

All of 127.0.0.0/8 is local on Linux, so each "host" is one ListenAddress. One sshd process
accepts at most 16 ListenAddress lines, so a fleet of N hosts runs ceil(N/16) sshd processes.
Everything (keys, configs, pid files, logs) lives under ``base_dir``.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

SSHD = Path("/usr/sbin/sshd")
ADDRESSES_PER_SSHD = 16
FIRST_HOST_OCTET = 10
SSH_COMMON_ARGS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"


def ensure_openssh() -> None:
    """Fail with a clear message when the OpenSSH server or ssh-keygen is missing."""
    missing = [p for p in (SSHD, Path("/usr/bin/ssh-keygen")) if not p.exists()]
    if missing:
        names = ", ".join(str(p) for p in missing)
        raise RuntimeError(
            f"{names} not found: the test hosts need OpenSSH, "
            "run `apt-get install openssh-server openssh-client`"
        )


def loopback_address(index: int) -> str:
    """The index-th test address: 127.0.0.10, 127.0.0.11, ... (skipping .0 and .255)."""
    n = FIRST_HOST_OCTET + index
    third, fourth = divmod(n, 254)
    return f"127.0.{third}.{fourth + 1}" if third else f"127.0.0.{n}"


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return int(sock.getsockname()[1])


def accepts_tcp(ip: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=timeout):
            return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Pids of all processes below ``pid`` (read from /proc), children first."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def keygen(path: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def inventory_for(
    hosts: list[dict[str, Any]],
    *,
    user: str,
    key_path: Path,
    group: str = "fleet",
) -> dict[str, Any]:
    """An Ansible inventory (the dict form of an inventory YAML/JSON file) for ``hosts``."""
    return {
        "all": {
            "children": {
                group: {
                    "hosts": {
                        h["name"]: {"ansible_host": h["ip"], "ansible_port": h["port"]}
                        for h in hosts
                    }
                }
            },
            "vars": {
                "ansible_user": user,
                "ansible_ssh_private_key_file": str(key_path),
                "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_ssh_common_args": SSH_COMMON_ARGS,
            },
        }
    }


class SshdFleet:
    """``count`` SSH hosts on loopback addresses, reachable with ``client_key_path`` as root."""

    def __init__(self, count: int, base_dir: Path, port: int | None = None) -> None:
        ensure_openssh()
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.user = "root"
        self._procs: list[subprocess.Popen[bytes]] = []
        self._next_index = 0
        self.host_key_path = self.base_dir / "hostkey"
        self.client_key_path = self.base_dir / "client_key"
        keygen(self.host_key_path, "hub-test-host")
        keygen(self.client_key_path, "hub-test-client")
        self.client_key_text = self.client_key_path.read_text()
        self.authorized_keys_path = self.base_dir / "authorized_keys"
        self.authorized_keys_path.write_text(Path(f"{self.client_key_path}.pub").read_text())
        self.hosts: list[dict[str, Any]] = []
        try:
            for chunk in range(math.ceil(count / ADDRESSES_PER_SSHD)):
                size = min(ADDRESSES_PER_SSHD, count - chunk * ADDRESSES_PER_SSHD)
                ips = [self._take_address() for _ in range(size)]
                self._start_sshd(f"fleet{chunk}", ips, self.authorized_keys_path)
                self.hosts += [
                    {"name": f"host{len(self.hosts) + i + 1:03d}", "ip": ip, "port": self.port}
                    for i, ip in enumerate(ips)
                ]
        except BaseException:
            self.stop()
            raise

    def _take_address(self) -> str:
        ip = loopback_address(self._next_index)
        self._next_index += 1
        return ip

    def _start_sshd(self, name: str, ips: list[str], authorized_keys: Path) -> None:
        config = self.base_dir / f"sshd_{name}.conf"
        listen = "".join(f"ListenAddress {ip}:{self.port}\n" for ip in ips)
        config.write_text(
            f"{listen}"
            f"HostKey {self.host_key_path}\n"
            f"PidFile {self.base_dir / f'sshd_{name}.pid'}\n"
            f"AuthorizedKeysFile {authorized_keys}\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin yes\n"
            "StrictModes no\n"
            "UsePAM no\n"
            "UseDNS no\n"
            "PrintMotd no\n"
            "X11Forwarding no\n"
            "Subsystem sftp internal-sftp\n"
            "MaxStartups 500:30:1000\n"
            "MaxSessions 100\n"
            "LogLevel ERROR\n"
        )
        log = self.base_dir / f"sshd_{name}.log"
        proc = subprocess.Popen(
            [str(SSHD), "-D", "-f", str(config), "-E", str(log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._procs.append(proc)
        self._wait_listening(proc, ips, log)

    def _wait_listening(self, proc: subprocess.Popen[bytes], ips: list[str], log: Path) -> None:
        deadline = time.monotonic() + 15
        pending = list(ips)
        while pending:
            if proc.poll() is not None:
                text = log.read_text(errors="replace") if log.exists() else ""
                raise RuntimeError(f"sshd exited with {proc.returncode}: {text}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"sshd does not accept TCP on {pending} port {self.port}")
            pending = [ip for ip in pending if not accepts_tcp(ip, self.port)]
            if pending:
                time.sleep(0.05)

    def start_wrong_key_host(self) -> dict[str, Any]:
        """One more host whose authorized_keys does NOT hold the client key."""
        other = self.base_dir / "other_key"
        if not other.exists():
            keygen(other, "hub-test-other")
        authorized = self.base_dir / "authorized_keys_other"
        authorized.write_text(Path(f"{other}.pub").read_text())
        ip = self._take_address()
        self._start_sshd(f"wrongkey{self._next_index}", [ip], authorized)
        return {"name": f"wrongkey{self._next_index}", "ip": ip, "port": self.port}

    def unreachable_host(self) -> dict[str, Any]:
        """A loopback address and port where nothing listens (connections are refused)."""
        ip = self._take_address()
        port = free_port(ip)
        assert not accepts_tcp(ip, port)
        return {"name": f"unreachable{self._next_index}", "ip": ip, "port": port}

    def inventory(
        self, extra_hosts: list[dict[str, Any]] | None = None, group: str = "fleet"
    ) -> dict[str, Any]:
        """Inventory dict for the fleet (plus ``extra_hosts``, e.g. wrong-key/unreachable)."""
        return inventory_for(
            self.hosts + list(extra_hosts or []),
            user=self.user,
            key_path=self.client_key_path,
            group=group,
        )

    def stop(self) -> None:
        """Stop every sshd by pid and wait for it, and end the sessions it forked.

        Killing the listener leaves its per-connection sshd processes alive (held open by
        ControlPersist masters on the client side), so they are collected first and ended too.
        """
        procs, self._procs = self._procs, []
        sessions = [pid for proc in procs for pid in descendants(proc.pid)]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, 9)
                proc.wait(5)

    def __enter__(self) -> SshdFleet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

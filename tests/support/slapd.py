"""A private OpenLDAP server (Debian's slapd) on 127.0.0.1, for directory-login tests.

Each instance has its own temp dir with a slapd.conf (mdb backend, the core, cosine,
inetorgperson and nis schemas), loads its entries with slapadd before it starts, listens on
a free loopback port and is stopped by pid. Changes while it runs go through ldapmodify
(ldap-utils), as an administrator would make them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support.http import free_port

SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
MISSING = (
    "{tool} not found: directory-login tests need Debian's slapd and ldap-utils "
    "(`make test` installs them; or apt-get install slapd ldap-utils)"
)


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise RuntimeError(MISSING.format(tool=name))
    return found


class Slapd:
    """slapd serving `suffix` on ``ldap://127.0.0.1:<port>``; ``root_dn``/``root_password``
    administer it."""

    def __init__(
        self, ldif: str, *, suffix: str = "dc=example,dc=org", start_timeout: float = 15.0
    ) -> None:
        self.suffix = suffix
        self.root_dn = f"cn=admin,{suffix}"
        self.root_password = "slapd-root-secret"
        self.dir = Path(tempfile.mkdtemp(prefix="hub-slapd-", dir="/tmp"))
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self._start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._configure()
            self._run(
                [_tool("slapadd"), "-f", str(self.conf), "-l", str(self._write("seed.ldif", ldif))]
            )
            self.start_again()
        except BaseException:
            self.stop()
            raise

    @property
    def conf(self) -> Path:
        return self.dir / "slapd.conf"

    def _configure(self) -> None:
        (self.dir / "db").mkdir()
        includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
        self._write(
            "slapd.conf",
            f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {self.dir}/slapd.pid
database mdb
maxsize 67108864
suffix "{self.suffix}"
rootdn "{self.root_dn}"
rootpw {self.root_password}
directory {self.dir}/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
""",
        )
        self._write("root.pw", self.root_password).chmod(0o600)

    def _write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text)
        return path

    def _run(self, cmd: list[str], stdin: str | None = None) -> str:
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def start_again(self) -> None:
        """Starts slapd (again after stop_server()) on the same port with the same data."""
        log = (self.dir / "slapd.log").open("ab")
        self._proc = subprocess.Popen(
            [_tool("slapd"), "-f", str(self.conf), "-h", f"{self.uri}/", "-d", "0"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.pid = self._proc.pid
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise RuntimeError(f"slapd exited with {self._proc.returncode}: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"slapd did not listen on {self.uri} in {self._start_timeout} s")

    def log(self) -> str:
        path = self.dir / "slapd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def modify(self, ldif: str) -> None:
        """Applies an LDIF change (changetype add/modify/delete) as the directory admin."""
        self._run(
            [
                _tool("ldapmodify"),
                "-x",
                "-H",
                self.uri,
                "-D",
                self.root_dn,
                "-y",
                str(self.dir / "root.pw"),
            ],
            stdin=ldif,
        )

    def stop_server(self) -> None:
        """Stops slapd by pid, keeping its data for start_again()."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def stop(self) -> None:
        """Stops slapd and removes its directory."""
        self.stop_server()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Slapd:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

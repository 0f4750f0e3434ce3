"""Chaos rounds against a real `hub up`: kill a part during multi-host runs, print figures.

Each round starts a run of a script that prints numbered lines on every host, kills one
part of the hub mid-run, waits for the run to end and for /health/ to be healthy again,
then compares what each host really printed (each line also goes to a file on the host)
with what the hub stored, and looks for leftovers.

    uv run python bench/chaos.py                     # redis and worker, 2 rounds each
    uv run python bench/chaos.py --faults redis --rounds 3 --hosts 10 --lines 60

Faults: `redis` (SIGKILL of the bundled redis-server), `worker` (SIGKILL of the Celery
worker's main process), `pool` (SIGKILL of its pool child). Everything is private to the
run (a temp HUB_DATA_DIR, an sshd fleet on 127.0.0.x, SQLite) and removed at the end.
Figures, not assertions: nothing here decides a pass.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.http import free_port, request_json  # noqa: E402
from tests.support.sshd import SshdFleet  # noqa: E402

PASSWORD = "chaos-admin-Pa55"  # noqa: S105 - the throwaway hub's admin


def _call(base: str, path: str, data: Any = None, token: str = "", method: str = "") -> Any:
    try:
        return request_json(base + path, data, token, method or None)
    except OSError:  # the hub is restarting a part
        return {"success": False}


def _healthy(base: str) -> bool:
    return bool(_call(base, "/health/").get("success"))


def _wait(predicate: Any, timeout: float, step: float = 0.2) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def _children(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "supervisor.json"
    try:
        return json.loads(path.read_text()).get("children", {})
    except (OSError, ValueError):
        return {}


def _pid_of(data_dir: Path, name: str) -> int | None:
    child = _children(data_dir).get(name) or {}
    return child.get("pid")


def _pool_child(worker_pid: int) -> int | None:
    found = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    return pids[0] if pids else None


def _kill(data_dir: Path, fault: str) -> bool:
    pid = _pid_of(data_dir, "redis" if fault == "redis" else "worker")
    if pid and fault == "pool":
        pid = _pool_child(pid)
    if not pid:
        return False
    os.kill(pid, signal.SIGKILL)
    return True


def _setup(base: str, fleet: SshdFleet) -> tuple[str, int, list[int]]:
    token = _call(base, "/api/auth/login/", {"username": "admin", "password": PASSWORD})
    token = token["content"]["access"]
    _call(
        base,
        "/api/system/execution.python_interpreter/",
        {"value": "/usr/bin/python3"},
        token,
        "PATCH",
    )
    account = _call(
        base,
        "/api/hosts/accounts/",
        {
            "name": "chaos",
            "username": fleet.user,
            "auth_type": "key",
            "private_key": fleet.client_key_text,
        },
        token,
    )["content"]["id"]
    hosts = []
    for entry in fleet.hosts:
        made = _call(
            base,
            "/api/hosts/",
            {"name": entry["name"], "ip_address": entry["ip"], "port": entry["port"]},
            token,
        )
        hosts.append(made["content"]["id"])
    return token, account, hosts


def _round(base: str, data_dir: Path, token: str, account: int, hosts: list[int], args: Any,
           fault: str) -> dict[str, Any]:  # fmt: skip
    marker = f"chaos{os.getpid()}x{time.monotonic_ns() % 10**9}"
    pause = args.seconds / args.lines
    # each line also goes to a file on the host: what was really printed, even when killed
    script = (
        f"f=/tmp/{marker}.$$; for i in $(seq 1 {args.lines}); do "
        f'echo "{marker} $i"; echo "$i" >> "$f"; sleep {pause}; done\n'
    )
    reply = _call(
        base,
        "/api/quick/execute_script/",
        {"script_content": script, "target_host_ids": hosts, "account_id": account},
        token,
    )
    execution = reply["content"]["execution_id"]
    time.sleep(args.kill_after)
    killed_at = time.monotonic()
    killed = _kill(data_dir, fault)

    def ended() -> bool:
        got = _call(base, f"/api/executor/execution-records/{execution}/", token=token)
        status = (got.get("content") or {}).get("status")
        return status in ("success", "failed", "stopped", "timeout")

    run_end = _wait(ended, args.timeout, 1.0)
    healthy = _wait(lambda: _healthy(base), args.timeout, 0.5)
    back = time.monotonic() - killed_at if healthy is not None else None
    record = _call(base, f"/api/executor/execution-records/{execution}/", token=token)["content"]
    stored = 0
    duplicates = 0
    for host in record.get("targets", []):
        log = _call(
            base,
            f"/api/executor/execution-records/{execution}/logs/?host={host['name']}&limit=1048576",
            token=token,
        )
        lines = [
            ln for ln in (log.get("content") or {}).get("text", "").splitlines() if marker in ln
        ]
        stored += len(set(lines))
        duplicates += len(lines) - len(set(lines))
    remote = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    printed = 0
    for path in Path("/tmp").glob(f"{marker}.*"):  # noqa: S108 - the test hosts are this machine
        printed += len(path.read_text().splitlines())
        path.unlink()
    return {
        "fault": fault,
        "killed": killed,
        "status": record.get("status"),
        "printed": printed,
        "stored": stored,
        "duplicates": duplicates,
        "run_end_s": round(run_end, 1) if run_end is not None else None,
        "healthy_after_kill_s": round(back, 1) if back is not None else None,
        "remote_orphans": len(remote.stdout.split()),
        "hub_run_dir_left": (data_dir / "runs" / str(execution)).exists(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default="redis,worker")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=8.0, help="how long the script runs")
    parser.add_argument("--kill-after", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (hub.log, db)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="opsjob-chaos-"))
    data_dir, port = work / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(HUB_DATA_DIR=str(data_dir), HUB_BIND=f"127.0.0.1:{port}",
               HUB_ADMIN_PASSWORD=PASSWORD, HUB_WORKER_CONCURRENCY="2")  # fmt: skip
    log = (work / "hub.log").open("w")
    command = [str(Path(sys.executable).parent / "hub"), "up"]
    hub = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    results = []
    try:
        with SshdFleet(args.hosts, work / "sshd") as fleet:
            if _wait(lambda: _healthy(base), 180, 1.0) is None:
                print("hub up never became healthy; see", work / "hub.log")
                return 1
            token, account, hosts = _setup(base, fleet)
            for fault in args.faults.split(","):
                for _ in range(args.rounds):
                    results.append(_round(base, data_dir, token, account, hosts, args, fault))
                    print(json.dumps(results[-1]), flush=True)
    finally:
        os.killpg(hub.pid, signal.SIGTERM)
        try:
            hub.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(hub.pid, signal.SIGKILL)
        log.close()
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'fault':8} {'status':8} {'stored/printed':>15} {'dups':>5} {'run end s':>9} "
          f"{'healthy s':>9} {'orphans':>7} {'run dir':>7}")  # fmt: skip
    for r in results:
        print(f"{r['fault']:8} {r['status']!s:8} {r['stored']:>7}/{r['printed']:<7} "
              f"{r['duplicates']:>5} {r['run_end_s']!s:>9} {r['healthy_after_kill_s']!s:>9} "
              f"{r['remote_orphans']:>7} {r['hub_run_dir_left']!s:>7}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

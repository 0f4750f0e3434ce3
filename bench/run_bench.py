"""Execution engine benchmark (issue 3): hub vs raw ansible-playbook, event latency, ingest.

    uv run python bench/run_bench.py [--hosts 1,16,64] [--repeat 2] [--pg auto|off|URL]

Everything it needs is started here and removed at the end (also on Ctrl-C / errors):
a temp dir, a throwaway database (SQLite in the temp HUB_DATA_DIR by default; with
DATABASE_URL, a fresh database `opsjob_bench_engine_<pid>` on that server, dropped at the
end), a private Redis on a unix socket, an SshdFleet of max(--hosts) sshd hosts, and
daphne for the latency part. See bench/README.md for what each figure means.

Parts:
  1. runs     the same trivial script on 1/16/64 hosts: hub (launch_quick_script +
              engine.run_execution in this process), raw ansible-playbook with default
              settings, ansible-playbook tuned like the hub (+ raw and live_script rows).
              Wall seconds and controller CPU seconds (this process + every child,
              including the ssh ControlPersist masters: the bench is a child subreaper).
  2. latency  runner callback / plugin -> Redis stream -> daphne -> WebSocket client.
  3. ingest   events/s from the stream into the database (StreamIngester.step).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import itertools
import json
import math
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.core.redis_server import start_redis, stop_redis  # noqa: E402  (no Django needed)
from tests.support.sshd import SshdFleet, free_port  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SCRIPT = "#!/bin/bash\necho ok\n"
LATENCY_LINES = 20
PR_SET_CHILD_SUBREAPER = 36
RESULT_PREFIX = "BENCH-RESULT "


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- controller CPU accounting ----------------------------------------------------------


def become_subreaper() -> None:
    """Orphans of our descendants (ssh ControlPersist masters) are re-parented to us, so
    their CPU lands in RUSAGE_CHILDREN once we reap them."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        log("warning: prctl(PR_SET_CHILD_SUBREAPER) failed; ssh masters' CPU is not counted")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _self_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _children() -> list[tuple[int, str, str]]:
    me, found = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            comm = text[text.index("(") + 1 : text.rindex(")")]
            fields = text.rpartition(")")[2].split()
            if int(fields[1]) == me:
                found.append((int(stat.parent.name), comm, fields[0]))
    return found


class Keep:
    """Pids of long-lived helpers (redis, sshd, daphne, ws client): never reaped by us."""

    pids: set[int] = set()


def reap_orphans(wait: float = 5.0) -> int:
    """Waits for (and reaps) adopted ssh masters and zombies that are not our helpers."""
    deadline, reaped = time.monotonic() + wait, 0
    while True:
        pending = [
            (pid, comm, state)
            for pid, comm, state in _children()
            if pid not in Keep.pids and (comm == "ssh" or state == "Z")
        ]
        for pid, _comm, _state in pending:
            with contextlib.suppress(ChildProcessError):
                done, _status = os.waitpid(pid, os.WNOHANG)
                reaped += bool(done)
        if not pending or time.monotonic() > deadline:
            if pending:
                still = [p for p, *_ in pending]
                log(f"warning: {len(still)} child ssh processes still alive: {still[:5]}")
            return reaped
        time.sleep(0.05)


def close_masters(control_dir: Path) -> None:
    if not control_dir.exists():
        return
    for sock in control_dir.iterdir():
        subprocess.run(
            ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "bench"],
            capture_output=True,
            timeout=10,
            check=False,
        )


def measure(run: Callable[[], dict[str, Any]], control_dir: Path | None = None) -> dict[str, Any]:
    reap_orphans(wait=0.5)
    self0 = _self_cpu()
    cpu0, t0 = cpu_seconds(), time.monotonic()
    info = run()
    wall = time.monotonic() - t0
    if control_dir is not None:
        close_masters(control_dir)
    reap_orphans()
    return {"wall": wall, "cpu": cpu_seconds() - cpu0, "cpu_self": _self_cpu() - self0, **info}


# -- environment: temp dir, Redis, database ---------------------------------------------


def bench_database_url(url: str) -> tuple[str, str]:
    """The throwaway database next to the one DATABASE_URL names: (url, name)."""
    parts = urlsplit(url)
    name = f"opsjob_bench_engine_{os.getpid()}"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def environment(tmp: Path, database_url: str | None) -> Iterator[dict[str, str]]:
    data = tmp / "data"
    data.mkdir()
    redis_sock = tmp / "redis" / "redis.sock"
    redis_proc = start_redis(redis_sock, persistent=False)
    Keep.pids.add(redis_proc.pid)
    db_name = ""
    try:
        env = {
            "HUB_DATA_DIR": str(data),
            "REDIS_URL": f"unix://{redis_sock}",
            "DJANGO_SETTINGS_MODULE": "hub.settings",
            "LOG_LEVEL": "WARNING",
        }
        if database_url:
            url, db_name = bench_database_url(database_url)
            _pg_admin(database_url, f'DROP DATABASE IF EXISTS "{db_name}"')
            _pg_admin(database_url, f'CREATE DATABASE "{db_name}"')
            env["DATABASE_URL"] = url
        else:
            env["DATABASE_URL"] = f"sqlite:///{data / 'bench.sqlite3'}"
        os.environ.update(env)
        for key in ("CELERY_BROKER_URL", "EXECUTION_LOGS_DIR", "EXECUTION_WORK_DIR"):
            os.environ.pop(key, None)
        yield env
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if db_name and database_url:
            try:
                _pg_admin(database_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            except Exception as exc:  # report, keep cleaning up
                log(f"warning: could not drop {db_name}: {exc}")
        stop_redis(redis_proc)


def setup_django(id_base: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    # Execution ids start high, so the bench's runs are easy to tell from a test run's in
    # logs and in `ps` (the engine's ssh control dirs are already private to each hub).
    from hub.executions.models import Execution

    table = Execution._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, id_base])
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence(name, seq) VALUES (%s, %s)", [table, id_base]
            )


def seed_hub(fleet: SshdFleet | None, count: int) -> tuple[Any, Any, list[int]]:
    """A superuser, an account with the fleet's key, and one Host per fleet host."""
    from django.contrib.auth import get_user_model

    from hub.inventory.models import Account, Host
    from hub.system.services import update_setting

    update_setting(actor=None, key="execution.python_interpreter", value="/usr/bin/python3")
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pw")
    account = Account.objects.create(
        name="bench-root",
        username="root",
        auth_type="key",
        private_key=fleet.client_key_text if fleet else "x",
        created_by=user,
    )
    entries = (
        fleet.hosts
        if fleet
        else [{"name": f"host{i + 1:03d}", "ip": "127.0.0.1", "port": 22} for i in range(count)]
    )
    hosts = Host.objects.bulk_create(
        [
            Host(
                name=e["name"], ip_address=e["ip"], port=e["port"], account=account, created_by=user
            )
            for e in entries
        ]
    )
    return user, account, [h.pk for h in sorted(hosts, key=lambda h: h.name)]


# -- part 1: runs ------------------------------------------------------------------------


def hub_run(
    user: Any, account: Any, host_ids: list[int], forks: int, script: str
) -> dict[str, Any]:
    from hub.executions import engine
    from hub.executions.models import Execution
    from hub.executions.services import launch_quick_script

    execution = launch_quick_script(
        actor=user,
        data={
            "script_content": script,
            "script_type": "shell",
            "target_host_ids": host_ids,
            "account": account,
            "concurrency": forks,
            "name": "bench",
        },
    )
    status = engine.run_execution(execution.pk)
    execution = Execution.objects.get(pk=execution.pk)
    ok = status == "success" and execution.summary.get("success") == len(host_ids)
    return {
        "ok": ok,
        "detail": f"{status} {execution.summary}" if not ok else "",
        "execution_id": execution.pk,
    }


RAW_VARIANTS = ("default", "tuned", "tuned-raw", "tuned-live")


def write_raw_project(base: Path, variant: str, fleet: SshdFleet, count: int, forks: int) -> Path:
    import yaml

    project = base / f"{variant}-{count}"
    (project / "files").mkdir(parents=True)
    (project / "files" / "bench.sh").write_text(SCRIPT)
    inventory = fleet.inventory()
    hosts = inventory["all"]["children"]["fleet"]["hosts"]
    for name in list(hosts)[count:]:
        del hosts[name]
    (project / "inventory.yml").write_text(yaml.safe_dump(inventory))
    if variant == "tuned-raw":
        task: dict[str, Any] = {"name": "run", "ansible.builtin.raw": "bash -c 'echo ok'"}
    elif variant == "tuned-live":
        task = {"name": "run", "hub.ops.live_script": {"script": "bench.sh", "executable": "bash"}}
    else:
        task = {"name": "run", "ansible.builtin.script": {"cmd": "bench.sh", "executable": "bash"}}
    play = [{"hosts": "fleet", "gather_facts": False, "tasks": [task]}]
    (project / "playbook.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    if variant != "default":  # default: no ansible.cfg at all (forks 5, no pipelining)
        (project / "ansible.cfg").write_text(
            "[defaults]\n"
            f"forks = {forks}\n"
            "gathering = explicit\n"
            "host_key_checking = False\n"
            "retry_files_enabled = False\n"
            "[ssh_connection]\n"
            "pipelining = True\n"
            "ssh_args = -o ControlMaster=auto -o ControlPersist=60s\n"
        )
    return project


def raw_env(project: Path, tmp: Path, control_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "HUB_"))}
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "ANSIBLE_HOME": str(tmp / "ansible-home"),
            "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-local"),
            "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir),
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "playbooks"),
            "ANSIBLE_NOCOLOR": "1",
        }
    )
    if not (project / "ansible.cfg").exists():
        env["ANSIBLE_CONFIG"] = str(project / "no-such-ansible.cfg")  # no /etc one either
    return env


def raw_run(project: Path, tmp: Path, control_dir: Path, count: int) -> dict[str, Any]:
    result = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "inventory.yml", "playbook.yml"],
        cwd=project,
        env=raw_env(project, tmp, control_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    recap = [line for line in result.stdout.splitlines() if " : ok=" in line]
    ok = (
        result.returncode == 0
        and len(recap) == count
        and all("unreachable=0" in r and "failed=0" in r for r in recap)
    )
    return {"ok": ok, "detail": "" if ok else (result.stdout + result.stderr)[-800:]}


def part_runs(
    args: argparse.Namespace,
    tmp: Path,
    fleet: SshdFleet,
    user: Any,
    account: Any,
    host_ids: list[int],
) -> list[dict[str, Any]]:
    variants = ["hub", *[v for v in RAW_VARIANTS if v not in args.skip_variants]]
    projects = {
        (v, n): write_raw_project(tmp / "raw", v, fleet, n, args.forks)
        for v in variants
        if v != "hub"
        for n in args.hosts
    }
    rows: list[dict[str, Any]] = []
    for round_ in range(1, args.repeat + 1):
        for count in args.hosts:
            for variant in variants:
                log(f"round {round_}: {variant} on {count} host(s) (load {load()})")
                if variant == "hub":
                    row = measure(
                        lambda c=count: hub_run(user, account, host_ids[:c], args.forks, SCRIPT)
                    )
                else:
                    control_dir = tmp / "cp" / f"{variant}-{count}-{round_}"
                    control_dir.mkdir(parents=True)
                    row = measure(
                        functools.partial(
                            raw_run, projects[(variant, count)], tmp, control_dir, count
                        ),
                        control_dir,
                    )
                row.update(hosts=count, variant=variant, round=round_, load=load())
                if not row["ok"]:
                    log(f"  NOT OK: {row.get('detail')}")
                log(
                    f"  wall {row['wall']:.2f} s, cpu {row['cpu']:.2f} s "
                    f"(bench process itself {row['cpu_self']:.2f} s)"
                )
                rows.append(row)
    return rows


def _stat(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def print_runs(rows: list[dict[str, Any]], hosts: list[int], forks: int) -> dict[int, Any]:
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    print(
        f"\n== 1. Trivial script (`echo ok`), hub forks = tuned forks = {forks}; "
        f"default = ansible-playbook defaults (forks 5, no pipelining)"
    )
    print(
        "   wall/CPU: best and median of the rounds; CPU = controller side (bench process "
        "+ ansible-playbook + ssh, sshd side excluded)"
    )
    header = (
        f"{'hosts':>5} {'variant':<11} {'n':>2} {'ok':>3} {'wall best':>9} "
        f"{'wall med':>8} {'cpu best':>8} {'cpu med':>7} {'hub/x wall':>10} "
        f"{'hub/x cpu':>9}"
    )
    print(header)
    print("-" * len(header))
    summary: dict[int, Any] = {}
    for count in hosts:
        stats = {}
        for variant in variants:
            sel = [r for r in rows if r["hosts"] == count and r["variant"] == variant]
            if not sel:
                continue
            wall, cpu = _stat([r["wall"] for r in sel]), _stat([r["cpu"] for r in sel])
            stats[variant] = {
                "wall_best": wall[0],
                "wall_median": wall[1],
                "cpu_best": cpu[0],
                "cpu_median": cpu[1],
                "ok": all(r["ok"] for r in sel),
                "n": len(sel),
            }
        hub = stats.get("hub")
        for variant, s in stats.items():
            ratio_w = ratio_c = ""
            if hub and variant != "hub":
                ratio_w = f"{hub['wall_median'] / s['wall_median']:.2f}"
                ratio_c = f"{hub['cpu_median'] / s['cpu_median']:.2f}"
            print(
                f"{count:>5} {variant:<11} {s['n']:>2} {'yes' if s['ok'] else 'NO':>3} "
                f"{s['wall_best']:>9.2f} {s['wall_median']:>8.2f} {s['cpu_best']:>8.2f} "
                f"{s['cpu_median']:>7.2f} {ratio_w:>10} {ratio_c:>9}"
            )
        summary[count] = stats
    print("   hub/x = hub median / variant median (below 1: the hub is faster / cheaper)")
    return summary


# -- part 2: latency ---------------------------------------------------------------------


@contextlib.contextmanager
def daphne(tmp: Path, settings_module: str) -> Iterator[int]:
    port = free_port()
    out = (tmp / "daphne.log").open("w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "hub.asgi:application"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    Keep.pids.add(proc.pid)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {(tmp / 'daphne.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("daphne did not listen within 60 s")
            time.sleep(0.1)
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.close()


def latency_run(
    port: int, tmp: Path, user: Any, account: Any, host_ids: list[int], forks: int, round_: int
) -> dict[str, Any]:
    from rest_framework_simplejwt.tokens import RefreshToken

    from hub.executions import engine, stream
    from hub.executions.services import launch_quick_script

    script = (
        f'#!/bin/bash\nfor i in $(seq 1 {LATENCY_LINES}); do echo "line $i of '
        f'{LATENCY_LINES} from $(hostname)"; sleep 0.05; done\n'
    )
    execution = launch_quick_script(
        actor=user,
        data={
            "script_content": script,
            "script_type": "shell",
            "target_host_ids": host_ids,
            "account": account,
            "concurrency": forks,
            "name": "bench-latency",
        },
    )
    token = str(RefreshToken.for_user(user).access_token)
    out = tmp / f"ws-{round_}.json"
    url = f"ws://127.0.0.1:{port}/ws/executions/{execution.pk}/?token={token}&since=0"
    client = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).parent / "_ws_client.py"),
            url,
            f"http://127.0.0.1:{port}",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    Keep.pids.add(client.pid)
    try:
        ready = client.stdout.readline().strip() if client.stdout else ""
        if ready != "READY":
            err = client.stderr.read() if client.stderr else ""
            raise RuntimeError(f"ws client did not connect: {err[-2000:]}")
        t0 = time.monotonic()
        status = engine.run_execution(execution.pk)
        wall = time.monotonic() - t0
        client.wait(120)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        Keep.pids.discard(client.pid)
    result = json.loads(out.read_text())
    records = result["records"]
    if not result["ended"]:
        kept = Path(tempfile.gettempdir()) / f"opsjob-bench-daphne-{os.getpid()}-{round_}.log"
        shutil.copyfile(tmp / "daphne.log", kept)
        log(
            f"  ws client stopped before the end event (close code {result['closed_code']}); "
            f"daphne log kept in {kept}"
        )
    seqs = [r[0] for r in records]
    last = stream.last_seq(execution.pk)
    latencies = sorted((r[2] - r[1]) * 1000 for r in records if r[1] > 0)
    dupes = len(seqs) - len(set(seqs))
    missing = sorted(set(range(1, last + 1)) - set(seqs))
    in_order = all(b == a + 1 for a, b in itertools.pairwise(seqs))
    return {
        "status": status,
        "wall": wall,
        "count": len(records),
        "last_seq": last,
        "ended": result["ended"],
        "dupes": dupes,
        "missing": len(missing),
        "in_order": in_order and bool(seqs) and seqs[0] == 1,
        "latencies": latencies,
        "outputs": sum(1 for r in records if r[3] == "output"),
    }


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))  # nearest rank
    return sorted(values)[index]


def print_latency(runs: list[dict[str, Any]], hosts: int, settings_module: str) -> dict[str, Any]:
    print(
        f"\n== 2. Event latency: ts (runner callback / hub.ops plugin append) -> WebSocket "
        f"client receive; {hosts} hosts x script printing {LATENCY_LINES} lines 50 ms apart; "
        f"daphne settings {settings_module}"
    )
    header = (
        f"{'run':>3} {'status':<8} {'events':>6} {'output':>6} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'gaps':>4} {'dupes':>5} {'ordered':>7} "
        f"{'end':>3} {'wall s':>6}"
    )
    print(header)
    print("-" * len(header))
    for i, r in enumerate(runs, 1):
        lat = r["latencies"]
        print(
            f"{i:>3} {r['status']:<8} {r['count']:>6} {r['outputs']:>6} {pct(lat, 50):>7.1f} "
            f"{pct(lat, 99):>7.1f} {max(lat or [0]):>7.1f} {r['missing']:>4} "
            f"{r['dupes']:>5} {'yes' if r['in_order'] else 'NO':>7} "
            f"{'yes' if r['ended'] else 'NO':>3} {r['wall']:>6.1f}"
        )
    pooled = sorted(x for r in runs for x in r["latencies"])
    print(
        f"all {'':<8} {len(pooled):>6} {'':>6} {pct(pooled, 50):>7.1f} {pct(pooled, 99):>7.1f} "
        f"{max(pooled or [0]):>7.1f} {sum(r['missing'] for r in runs):>4} "
        f"{sum(r['dupes'] for r in runs):>5}"
    )
    return {
        "p50": pct(pooled, 50),
        "p99": pct(pooled, 99),
        "max": max(pooled or [0]),
        "gaps": sum(r["missing"] for r in runs),
        "dupes": sum(r["dupes"] for r in runs),
        "events": len(pooled),
        "runs": [
            {k: v for k, v in r.items() if k != "latencies"}
            | {"p50": pct(r["latencies"], 50), "p99": pct(r["latencies"], 99)}
            for r in runs
        ],
    }


# -- part 3: ingest ----------------------------------------------------------------------


def fake_events(count: int, hosts: list[str]) -> Iterator[dict[str, Any]]:
    """What a 1-step run on these hosts streams: per host start, remote_start, output
    lines (most of the volume), result; interleaved across hosts like a real run."""
    per_host = max(count // len(hosts), 4)
    lines = per_host - 3
    produced, now = 0, time.time()
    yield {"kind": "step_start", "step": 1, "text": "Step 1 - bench", "ts": now}
    produced += 1
    for host in hosts:
        yield {
            "kind": "host_start",
            "step": 1,
            "host": host,
            "text": "Run script - bench",
            "ts": now,
        }
        yield {"kind": "remote_start", "step": 1, "host": host, "pid": "4242", "ts": now}
        produced += 2
    for i in range(lines):
        for host in hosts:
            if produced >= count - len(hosts):
                break
            yield {
                "kind": "output",
                "step": 1,
                "host": host,
                "stream": "stdout",
                "text": f"2025-01-01T00:00:{i % 60:02d} line {i} of the deploy log on {host}: ok\n",
                "ts": now,
            }
            produced += 1
    for host in hosts:
        yield {
            "kind": "host_result",
            "step": 1,
            "host": host,
            "status": "success",
            "rc": 0,
            "changed": 1,
            "text": "",
            "ignored": 0,
            "ts": now,
        }


def part_ingest(user: Any, account: Any, host_ids: list[int], count: int) -> dict[str, Any]:
    from django.db import connection

    from hub.executions import stream
    from hub.executions.ingest import StreamIngester
    from hub.executions.models import ExecutionEvent, HostResult
    from hub.executions.services import launch_quick_script
    from hub.inventory.models import Host

    execution = launch_quick_script(
        actor=user,
        data={
            "script_content": SCRIPT,
            "script_type": "shell",
            "target_host_ids": host_ids,
            "account": account,
            "name": "bench-ingest",
        },
    )
    names = list(
        Host.objects.filter(pk__in=host_ids).order_by("name").values_list("name", flat=True)
    )
    stream.reset(execution.pk)
    stream.mark_active(execution.pk)
    script = stream._append_script()
    keys = [stream.stream_key(execution.pk), stream.seq_key(execution.pk)]
    maxlen = str(max(count * 2, 200_000))
    pipe = stream.client().pipeline(transaction=False)
    appended = 0
    for event in fake_events(count, names):
        script(keys=keys, args=[maxlen, *stream._flatten(event)], client=pipe)
        appended += 1
        if appended % 2000 == 0:
            pipe.execute()
    pipe.execute()
    ingester = StreamIngester(execution.pk)  # not started: its rounds run here, timed
    written, rounds = 0, 0
    t0 = time.monotonic()
    while (n := ingester.step(block_ms=1)) != 0:
        if n > 0:
            written += n
            rounds += 1
    elapsed = time.monotonic() - t0
    stored = ExecutionEvent.objects.filter(execution=execution).count()
    pending = stream.client().xpending(stream.stream_key(execution.pk), stream.DB_GROUP)
    done = HostResult.objects.filter(execution=execution, status="success").count()
    return {
        "vendor": connection.vendor,
        "events": appended,
        "written": written,
        "stored": stored,
        "pending": pending["pending"],
        "hosts_done": done,
        "seconds": elapsed,
        "rate": written / elapsed if elapsed else 0.0,
        "rounds": rounds,
        "errors": ingester.errors,
    }


def print_ingest(results: list[dict[str, Any]]) -> None:
    print(
        "\n== 3. Stream -> database: StreamIngester.step rounds (read 1000, bulk insert, "
        "host/step rows, log files, commit, XACK)"
    )
    header = (
        f"{'database':<10} {'events':>7} {'stored':>7} {'pending':>7} {'seconds':>7} "
        f"{'events/s':>9} {'rounds':>6} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['vendor']:<10} {r['events']:>7} {r['stored']:>7} {r['pending']:>7} "
            f"{r['seconds']:>7.2f} {r['rate']:>9.0f} {r['rounds']:>6} {r['errors']:>6}"
        )


def ingest_in_child(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The ingest part against another database (PostgreSQL) in a fresh process."""
    env = {**os.environ, "DATABASE_URL": url}
    for key in ("HUB_DATA_DIR", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    cmd = [
        sys.executable,
        __file__,
        "--only",
        "ingest",
        "--events",
        str(args.events),
        "--hosts",
        str(max(args.hosts)),
        "--repeat",
        str(args.repeat),
        "--emit-result",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    Keep.pids.add(proc.pid)
    try:
        out, _ = proc.communicate(timeout=1800)
    except BaseException:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
        raise
    finally:
        Keep.pids.discard(proc.pid)
    results = [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in out.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if proc.returncode != 0 or not results:
        raise RuntimeError(f"PostgreSQL ingest run failed (rc {proc.returncode})")
    return results[0]["ingest"]


def pg_url_for(args: argparse.Namespace) -> str | None:
    if args.pg == "off":
        return None
    if args.pg != "auto":
        return args.pg
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5432), 0.5):
        return url
    return None


# -- main ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", default="1,16,64", help="host counts (comma-separated)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of every variant")
    parser.add_argument(
        "--forks",
        type=int,
        default=0,
        help="hub and tuned forks (default: the hub's execution.default_forks)",
    )
    parser.add_argument("--events", type=int, default=50_000, help="events for the ingest part")
    parser.add_argument(
        "--latency-hosts",
        type=int,
        default=0,
        help="hosts of the latency run (default: the largest --hosts)",
    )
    parser.add_argument(
        "--only", default="runs,latency,ingest", help="parts to run: runs,latency,ingest"
    )
    parser.add_argument(
        "--skip-variants", default="", help="raw variants to leave out, e.g. tuned-live,tuned-raw"
    )
    parser.add_argument(
        "--pg",
        default="auto",
        help="also run the ingest part on PostgreSQL: auto (127.0.0.1:5432 "
        "if it answers), off, or a URL (a throwaway database is created "
        "on that server). Ignored when DATABASE_URL is set.",
    )
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--emit-result", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.hosts = sorted({int(x) for x in args.hosts.split(",") if x.strip()})
    args.only = {x.strip() for x in args.only.split(",") if x.strip()}
    args.skip_variants = {x.strip() for x in args.skip_variants.split(",") if x.strip()}
    args.repeat = max(1, args.repeat)
    return args


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _on_sigterm)
    database_url = os.environ.get("DATABASE_URL") or None
    if database_url and not database_url.startswith(("postgres", "postgresql")):
        database_url = None  # an SQLite URL: use our own file in the temp dir
    become_subreaper()
    tmp = Path(tempfile.mkdtemp(prefix="opsjob-bench-"))
    figures: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "load_start": load(),
        "cpus": os.cpu_count(),
    }
    fleet: SshdFleet | None = None
    try:
        with environment(tmp, database_url):
            setup_django(10_000_000 + (os.getpid() % 100_000) * 1000)
            from hub.system.services import get_setting

            args.forks = args.forks or int(get_setting("execution.default_forks"))
            need_fleet = bool(args.only & {"runs", "latency"})
            size = max([*args.hosts, args.latency_hosts])
            if need_fleet:
                log(f"starting {size} sshd hosts")
                fleet = SshdFleet(size, tmp / "sshd")
                Keep.pids.update(p.pid for p in fleet._procs)
            user, account, host_ids = seed_hub(fleet, size)
            from django.db import connection

            print(
                f"OPS Job engine bench: {time.strftime('%Y-%m-%d %H:%M:%S %z')}, "
                f"{os.cpu_count()} CPUs, load {load()}, database {connection.vendor}, "
                f"redis {os.environ['REDIS_URL']}, hub: in-process run_execution"
            )
            if "runs" in args.only:
                assert fleet is not None
                rows = part_runs(args, tmp, fleet, user, account, host_ids)
                figures["runs"] = print_runs(rows, args.hosts, args.forks)
                figures["run_rows"] = [{k: v for k, v in r.items() if k != "detail"} for r in rows]
            if "latency" in args.only:
                count = args.latency_hosts or max(args.hosts)
                runs = []
                settings_module = "hub.settings"
                with daphne(tmp, settings_module) as port:
                    for round_ in range(1, args.repeat + 1):
                        log(f"latency round {round_} on {count} hosts (load {load()})")
                        runs.append(
                            latency_run(
                                port, tmp, user, account, host_ids[:count], args.forks, round_
                            )
                        )
                figures["latency"] = print_latency(runs, count, settings_module)
            if "ingest" in args.only:
                results = []
                for round_ in range(1, args.repeat + 1):
                    log(
                        f"ingest round {round_}: {args.events} events ({connection.vendor}, "
                        f"load {load()})"
                    )
                    results.append(part_ingest(user, account, host_ids, args.events))
                pg = None if database_url else pg_url_for(args)
                if pg:
                    log("ingest on PostgreSQL (child process)")
                    results += ingest_in_child(pg, args)
                print_ingest(results)
                figures["ingest"] = results
            figures["load_end"] = load()
            print(f"\nload (1/5/15 min): start {figures['load_start']}, end {figures['load_end']}")
            if args.emit_result:
                print(RESULT_PREFIX + json.dumps(figures, default=str))
            if args.json:
                Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    except KeyboardInterrupt:
        log("interrupted: cleaning up")
        return 130
    finally:
        if fleet is not None:
            fleet.stop()
        reap_orphans(wait=2)
        try:
            from hub.executions.engine import control_dir_prefix

            prefix = Path(control_dir_prefix())
            for path in prefix.parent.glob(f"{prefix.name}*"):  # this hub's dirs only
                shutil.rmtree(path, ignore_errors=True)
        except Exception:  # noqa: S110 - Django may never have been set up
            pass
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

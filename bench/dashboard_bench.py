"""Dashboard benchmark: 100,000 executions and 1,000,000 host results, then time the
stats endpoint with a cold and a warm cache.

Run against a throwaway database (it migrates and seeds it):

    createdb -h 127.0.0.1 -U postgres opsjob_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opsjob_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 HUB_DATA_DIR=var/bench \\
    uv run python bench/dashboard_bench.py

Refuses a database whose name does not contain "bench" unless --force is given.
Host results are loaded with COPY on PostgreSQL (bulk_create elsewhere).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

EXECUTIONS = 100_000
HOSTS_PER_EXECUTION = 10
STATUSES = ["success"] * 7 + ["failed", "partial", "timeout"]
HOST_STATUSES = ["success"] * 8 + ["failed", "unreachable"]


def seed(days: int) -> None:
    from django.contrib.auth import get_user_model

    from hub.executions.models import Execution, ExecutionStep, HostResult
    from hub.inventory.models import Host

    rng = random.Random(7)  # noqa: S311 - reproducible fake data
    now = timezone.now()
    get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    Host.objects.bulk_create(
        [
            Host(
                name=f"bench-{i}",
                ip_address=f"10.0.{i // 250}.{i % 250}",
                status=rng.choice(["reachable", "unreachable", "unknown"]),
            )
            for i in range(1000)
        ],
        batch_size=1000,
    )
    started = time.monotonic()
    for offset in range(0, EXECUTIONS, 10_000):
        batch = []
        for _ in range(10_000):
            created = now - timedelta(seconds=rng.randrange(days * 86400))
            batch.append(
                Execution(
                    name=f"bench job {rng.randrange(50)}",
                    kind="quick_script",
                    status=rng.choice(STATUSES),
                    started_at=created,
                    finished_at=created + timedelta(seconds=30),
                )
            )
        rows = Execution.objects.bulk_create(batch, batch_size=5000)
        _backdate(rows)
        steps = ExecutionStep.objects.bulk_create(
            [
                ExecutionStep(
                    execution=r, index=1, name="step", step_type="script", status=r.status
                )
                for r in rows
            ],
            batch_size=5000,
        )
        _load_host_results(rng, [(s.execution_id, s.pk) for s in steps])
        print(
            f"  seeded {offset + 10_000} executions ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(
        f"seeded {Execution.objects.count()} executions, {HostResult.objects.count()} host results",
        flush=True,
    )


def _backdate(rows: list) -> None:
    """created_at is auto_now_add: set the intended times in one UPDATE per batch."""
    table = "executions_execution"
    values = [(r.pk, r.started_at) for r in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS e SET created_at = v.ts FROM "  # noqa: S608 - fixed names
                "unnest(%s::bigint[], %s::timestamptz[]) AS v(id, ts) WHERE e.id = v.id",
                [[v[0] for v in values], [v[1] for v in values]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET created_at = %s WHERE id = %s",  # noqa: S608
                [(ts, pk) for pk, ts in values],
            )


def _load_host_results(rng: random.Random, steps: list[tuple[int, int]]) -> None:
    from hub.executions.models import HostResult

    rows = [
        (execution_id, step_id, f"bench-{rng.randrange(1000)}-{n}", rng.choice(HOST_STATUSES))
        for execution_id, step_id in steps
        for n in range(HOSTS_PER_EXECUTION)
    ]
    if connection.vendor != "postgresql":
        HostResult.objects.bulk_create(
            [HostResult(execution_id=e, step_id=s, host_name=h, status=st) for e, s, h, st in rows],
            batch_size=5000,
        )
        return
    buffer = io.StringIO("".join(f"{e}\t{s}\t{h}\t\t{st}\t\t\t\n" for e, s, h, st in rows))
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY executions_hostresult (execution_id, step_id, host_name, ip_address, status,"
            " output_tail, output_digest, message) FROM STDIN"
        ) as copy,
    ):
        copy.write(buffer.getvalue())


def measure(days: int, repeats: int) -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="bench-admin"))
    url = f"/api/dashboard/stats/?days={days}"
    from hub.dashboard import tasks
    from hub.dashboard.cache import bump_dashboard_version

    queued: list[tuple[str, ...]] = []
    tasks.refresh_figures_task.delay = lambda *args: queued.append(args)  # type: ignore[method-assign]
    colds, warms, afters = [], [], []
    for _ in range(repeats):
        cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        colds.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and not response.json()["content"]["cached"]
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url)
            warms.append((time.perf_counter() - started) * 1000)
            assert response.json()["content"]["cached"]
        # After a write (what a busy hub sees): the version moves on; a slow figure is
        # served stale at once and a refresh is queued, run here as the worker would.
        bump_dashboard_version()
        started = time.perf_counter()
        response = client.get(url)
        afters.append((time.perf_counter() - started) * 1000)
        stale = response.json()["content"]["stale"]
        while queued:
            tasks.refresh_figures_task(*queued.pop())
    total = response.json()["content"]["executions"]["total"]
    print(
        f"days={days:<4} executions in range={total:<7} cold: median "
        f"{statistics.median(colds):6.1f} ms max {max(colds):6.1f} ms | warm: median "
        f"{statistics.median(warms):5.1f} ms max {max(warms):5.1f} ms | after a write: median "
        f"{statistics.median(afters):5.1f} ms max {max(afters):5.1f} ms (stale={stale})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="allow any database name")
    parser.add_argument("--days", type=int, default=90, help="spread of the seeded records")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    name = str(settings.DATABASES["default"]["NAME"])
    if "DATABASE_URL" not in os.environ or ("bench" not in name and not args.force):
        sys.exit(
            f"Refusing to seed {name!r}: set DATABASE_URL to a throwaway database whose "
            "name contains 'bench' (or pass --force)."
        )
    call_command("migrate", verbosity=0)
    from hub.executions.models import Execution

    if Execution.objects.count() < EXECUTIONS:
        seed(args.days)
    print(f"database: {connection.vendor} {name}")
    for days in (7, 30, 90):
        measure(days, args.repeats)


if __name__ == "__main__":
    main()

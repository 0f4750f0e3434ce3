"""Fixtures for the hub.ops collection tests: real sshd hosts, a private Redis, ansible-playbook.

These tests need neither Django nor the hub: run them with
``python -m pytest tests/playbooks -p no:django``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `tests.support` must import however pytest was started
    sys.path.insert(0, str(REPO))

from tests.playbooks.helpers import Project, StreamWatcher  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.sshd import SshdFleet  # noqa: E402


@pytest.fixture(scope="session")
def sshd_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdFleet]:
    with SshdFleet(3, tmp_path_factory.mktemp("sshd")) as hosts:
        yield hosts


@pytest.fixture(scope="session")
def private_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def rds(private_redis: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(private_redis.url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def ops_project(tmp_path: Path, sshd_fleet: SshdFleet, private_redis: RedisServer) -> Project:
    return Project(root=tmp_path, fleet=sshd_fleet, redis_url=private_redis.url)


@pytest.fixture
def stream_watch(ops_project: Project) -> Iterator[StreamWatcher]:
    with StreamWatcher(ops_project.redis_url, ops_project.stream) as watcher:
        yield watcher

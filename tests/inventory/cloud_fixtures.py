"""Real provider endpoints for the cloud sync tests, and a real Celery worker.

Aliyun ECS and Tencent CVM: the wire-format stub servers of tests/inventory_plugins
(signatures recomputed, the providers' error JSON). AWS EC2: moto in server mode (the
moto_server binary on a free 127.0.0.1 port). Every provider serves the same small FLEET; a
test may make an instance vanish (stub: removed; AWS: terminated).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.inventory_plugins import cloud_stubs

BIN = Path(sys.executable).parent
KEY_ID = "LTAI5tCloudSyncKey01"
SECRET = "CloudSyncSecret-0123456789abcdef"  # must never appear in a response
REGIONS = {
    "aliyun": ("cn-hangzhou", "cn-beijing"),
    "tencent": ("ap-guangzhou", "ap-shanghai"),
    "aws": ("us-east-1", "eu-west-1"),
}


@dataclass(frozen=True)
class Box:
    n: int
    region: int = 0  # index into REGIONS[provider]
    running: bool = True
    windows: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"web-{self.n:02d}"


FLEET = (
    [Box(n, tags={"env": "prod" if n % 2 else "dev", "role": "web"}) for n in range(1, 9)]
    + [Box(9, running=False, tags={"env": "prod", "role": "web"})]
    + [Box(10, windows=True, tags={"env": "prod", "role": "win"})]
    + [Box(n, region=1, tags={"env": "dev", "role": "db"}) for n in (11, 12)]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cloud:
    """One provider endpoint serving FLEET, and what a cloud account for it needs."""

    provider: str
    endpoint: str
    key_id: str
    ids: dict[str, str]  # box name -> instance id
    vanish: Callable[[str], None]
    regions: tuple[str, str]

    def account_payload(self, **extra: Any) -> dict[str, Any]:
        return {
            "name": f"{self.provider}-prod",
            "provider": self.provider,
            "access_key_id": self.key_id,
            "secret": SECRET,
            "endpoint": self.endpoint,
            "regions": list(self.regions),
            **extra,
        }


def _stub_cloud(provider: str) -> Iterator[Cloud]:
    regions = REGIONS[provider]
    instances = []
    for box in FLEET:
        if provider == "aliyun":
            inst = cloud_stubs.aliyun_instance(
                box.n,
                region=regions[box.region],
                status="Running" if box.running else "Stopped",
                tags=box.tags,
                os_type="windows" if box.windows else "linux",
            )
        else:
            inst = cloud_stubs.tencent_instance(
                box.n,
                region=regions[box.region],
                state="RUNNING" if box.running else "STOPPED",
                tags=box.tags,
                windows=box.windows,
            )
        inst["InstanceName"] = box.name
        instances.append(inst)
    key_id = KEY_ID if provider == "aliyun" else "AKID" + KEY_ID
    make = cloud_stubs.aliyun_server if provider == "aliyun" else cloud_stubs.tencent_server
    server = make(key_id, SECRET, instances, [*regions, "extra-region-1"])
    ids = {i["InstanceName"]: i["InstanceId"] for i in instances}

    def vanish(name: str) -> None:
        server.instances[:] = [i for i in server.instances if i["InstanceName"] != name]

    try:
        yield Cloud(provider, f"http://127.0.0.1:{server.port}", key_id, ids, vanish, regions)
    finally:
        server.stop()


def start_moto(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, **(extra_env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/moto-api/data.json", timeout=1).read()  # noqa: S310
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto_server did not start")


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    proc, url = start_moto()
    yield url
    stop_process(proc)


@pytest.fixture(scope="session")
def moto_auth_url() -> Iterator[str]:
    """A moto server that enforces IAM authentication: unknown keys get EC2's AuthFailure."""
    proc, url = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    yield url
    stop_process(proc)


def _aws_cloud(url: str) -> Cloud:
    import boto3

    request = urllib.request.Request(url + "/moto-api/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=10).read()  # noqa: S310
    ids: dict[str, str] = {}
    clients: dict[str, Any] = {}
    for box in FLEET:
        region = REGIONS["aws"][box.region]
        ec2 = clients.setdefault(
            region,
            boto3.client(
                "ec2",
                region_name=region,
                endpoint_url=url,
                aws_access_key_id="AKIATESTING",
                aws_secret_access_key="testing",
            ),
        )
        tags = [
            {"Key": "Name", "Value": box.name},
            *({"Key": k, "Value": v} for k, v in box.tags.items()),
        ]
        reservation = ec2.run_instances(
            ImageId="ami-12c6146b" if box.windows else "ami-1e749f67",
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )
        ids[box.name] = reservation["Instances"][0]["InstanceId"]
        if not box.running:
            ec2.stop_instances(InstanceIds=[ids[box.name]])

    def vanish(name: str) -> None:
        box = next(b for b in FLEET if b.name == name)
        clients[REGIONS["aws"][box.region]].terminate_instances(InstanceIds=[ids[name]])

    return Cloud("aws", url, "AKIATESTING", ids, vanish, REGIONS["aws"])


@pytest.fixture
def aliyun_cloud() -> Iterator[Cloud]:
    yield from _stub_cloud("aliyun")


@pytest.fixture
def tencent_cloud() -> Iterator[Cloud]:
    yield from _stub_cloud("tencent")


@pytest.fixture
def aws_cloud(moto_url: str) -> Cloud:
    return _aws_cloud(moto_url)


@pytest.fixture(params=["aliyun", "tencent", "aws"])
def cloud(request: pytest.FixtureRequest) -> Cloud:
    return request.getfixturevalue(f"{request.param}_cloud")


def _database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user, host, port = db.get("USER") or "", db.get("HOST") or "", db.get("PORT") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{host}{':' + str(port) if port else ''}/{db['NAME']}"


@pytest.fixture(scope="session")
def cloud_celery_worker(
    django_db_setup: Any,
    django_db_blocker: Any,
    redis_server: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[subprocess.Popen]:
    """A real Celery worker process on the test database and the test Redis."""
    from django.conf import settings

    from hub.celery import app

    log = tmp_path_factory.mktemp("cloud-worker") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "HUB_DATA_DIR": str(settings.HUB_DATA_DIR),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "hub",
                "worker",
                "-Q",
                "celery",
                "-c",
                "2",
                "-l",
                "info",
                "-n",
                f"cloud-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            raise RuntimeError(f"celery worker did not start: {log.read_text()[-3000:]}")
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

"""Fixtures for the cloud inventory plugin tests.

Every provider gets the same logical fleet (see FLEET) served by a real HTTP endpoint:
moto in server mode for AWS, the stub servers of cloud_stubs.py for Aliyun and Tencent.
The plugins are loaded by file path (as the hub does) and run through ``ansible-inventory``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PLUGIN_DIR = REPO / "inventory_plugins"
VENV_BIN = Path(sys.executable).parent

ACCESS_KEY = "LTAI5tTestAccessKey01"
SECRET_KEY = "TestSecretKey0123456789abcdef"
PAGE_SIZE = 10


# These tests need neither Django nor Redis and must pass with ``-p no:django``: the autouse
# fixtures of tests/conftest.py (settings, Redis, caches) are replaced by no-ops here.
@pytest.fixture(scope="session", autouse=True)
def redis_server():
    yield ""


@pytest.fixture(autouse=True)
def _fast_hashing():
    return None


@pytest.fixture(autouse=True)
def _fresh_caches():
    yield


def _load_by_path(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


cloud_stubs = _load_by_path("opsjob_cloud_stubs", HERE / "cloud_stubs.py")


# ---------------------------------------------------------------------------------------------
# the fleet every provider serves: 28 instances, 26 in region A (3 pages of 10), 2 in region B
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Box:
    n: int
    region: str  # "A" or "B"
    running: bool = True
    windows: bool = False
    vpc: str = "main"
    tags: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"web-{self.n:02d}"


FLEET = (
    [
        Box(n, "A", tags={"env": "prod" if n % 2 else "dev", "role": "web" if n <= 12 else "db"})
        for n in range(1, 24)
    ]
    + [Box(n, "A", running=False, tags={"env": "prod", "role": "web"}) for n in (24, 25)]
    + [Box(26, "A", windows=True, vpc="other", tags={"env": "prod", "role": "win"})]
    + [Box(n, "B", tags={"env": "dev", "role": "web"}) for n in (31, 32)]
)


def names(predicate=lambda box: True) -> list[str]:
    return sorted(box.name for box in FLEET if predicate(box))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unwrap(value):
    """ansible-core 2.19 marks untrusted inventory strings as {"__ansible_unsafe": "..."}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@pytest.fixture(scope="session")
def fleet():
    """What the test modules need of this file (they never import conftest)."""
    return SimpleNamespace(
        boxes=FLEET, names=names, page_size=PAGE_SIZE, free_port=free_port, unwrap=unwrap
    )


# ---------------------------------------------------------------------------------------------
# servers
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def aliyun_stub():
    regions = {"A": "cn-hangzhou", "B": "cn-beijing"}
    instances = []
    for box in FLEET:
        inst = cloud_stubs.aliyun_instance(
            box.n,
            region=regions[box.region],
            status="Running" if box.running else "Stopped",
            tags=box.tags,
            vpc="vpc-bp1" + box.vpc,
            os_type="windows" if box.windows else "linux",
        )
        inst["InstanceName"] = box.name
        instances.append(inst)
    server = cloud_stubs.aliyun_server(
        ACCESS_KEY, SECRET_KEY, instances, [*regions.values(), "cn-shanghai"]
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tencent_stub():
    regions = {"A": "ap-guangzhou", "B": "ap-shanghai"}
    instances = []
    for box in FLEET:
        inst = cloud_stubs.tencent_instance(
            box.n,
            region=regions[box.region],
            state="RUNNING" if box.running else "STOPPED",
            tags=box.tags,
            vpc="vpc-" + box.vpc,
            windows=box.windows,
        )
        inst["InstanceName"] = box.name
        instances.append(inst)
    server = cloud_stubs.tencent_server(
        "AKID" + ACCESS_KEY, SECRET_KEY, instances, [*regions.values(), "ap-beijing"]
    )
    yield server
    server.stop()


def _start_moto(extra_env: dict | None = None):
    port = free_port()
    env = dict(os.environ, **(extra_env or {}))
    proc = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def _wait_http(proc, url: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/moto-api/data.json", timeout=1).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto_server at {url} did not start")


@pytest.fixture(scope="session")
def moto_servers():
    """(open server, server that enforces IAM authentication), both real moto_server processes."""
    procs = [_start_moto(), _start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": "0"})]
    try:
        for proc, url in procs:
            _wait_http(proc, url)
        yield procs[0][1], procs[1][1]
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def start_moto():
    """Start moto_servers of one's own: ``start_moto()`` returns a URL; all stop at the end."""
    procs = []

    def start(extra_env: dict | None = None) -> str:
        proc, url = _start_moto(extra_env)
        procs.append(proc)
        _wait_http(proc, url)
        return url

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


AWS_REGIONS = {"A": "us-east-1", "B": "eu-west-1"}


@pytest.fixture(scope="session")
def moto_ec2(moto_servers):
    import boto3

    url = moto_servers[0]
    ids: dict[str, str] = {}
    vpcs: dict[tuple[str, str], tuple[str, str]] = {}
    for box in FLEET:
        region = AWS_REGIONS[box.region]
        ec2 = boto3.client(
            "ec2",
            region_name=region,
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        key = (region, box.vpc)
        if key not in vpcs:
            vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16" if box.vpc == "main" else "10.2.0.0/16")
            vpc_id = vpc["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=vpc["Vpc"]["CidrBlock"][:-2] + "24")
            subnet_id = subnet["Subnet"]["SubnetId"]
            ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
            vpcs[key] = (vpc_id, subnet_id)
        tags = [{"Key": "Name", "Value": box.name}] + [
            {"Key": k, "Value": v} for k, v in box.tags.items()
        ]
        # one reservation per instance: EC2 (and moto) page DescribeInstances by reservation
        reservation = ec2.run_instances(
            ImageId="ami-12c6146b" if box.windows else "ami-1e749f67",
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            SubnetId=vpcs[key][1],
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )
        instance_id = reservation["Instances"][0]["InstanceId"]
        ids[box.name] = instance_id
        if not box.running:
            ec2.stop_instances(InstanceIds=[instance_id])
    return {"url": url, "ids": ids, "vpcs": vpcs}


# ---------------------------------------------------------------------------------------------
# one object per provider, so the same tests run against all three plugins
# ---------------------------------------------------------------------------------------------
@dataclass
class Provider:
    plugin: str
    regions: dict
    endpoint: dict  # endpoint option(s) for the YAML config / fetch_instances
    credentials: dict  # credential options for fetch_instances
    env: dict  # credential environment for ansible-inventory
    bad_key: dict  # options with a wrong key id
    bad_key_code: str
    bad_secret: dict  # options with a right key id and a wrong secret
    bad_secret_code: str
    endpoint_option: str
    vpc_ids: dict  # FLEET vpc name -> the provider's VPC id in region A
    server: object = None

    @property
    def module(self):
        return _load_by_path(f"opsjob_inventory_{self.plugin}", PLUGIN_DIR / f"{self.plugin}.py")

    def options(self, **extra) -> dict:
        """fetch_instances options: both regions of the fleet unless ``regions`` is given."""
        return {
            **self.credentials,
            **self.endpoint,
            "regions": list(self.regions.values()),
            "page_size": PAGE_SIZE,
            **extra,
        }


def clean_env() -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CLOUD_", "ALIBABA_", "ALICLOUD_", "TENCENTCLOUD_"))
        and not k.startswith("ANSIBLE_")
    }
    env.update(
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.fixture(params=["aliyun_ecs", "tencent_cvm", "aws_ec2"])
def provider(request) -> Provider:
    return request.getfixturevalue(f"{request.param}_provider")


@pytest.fixture
def aliyun_ecs_provider(aliyun_stub) -> Provider:
    url = f"http://127.0.0.1:{aliyun_stub.port}"
    return Provider(
        plugin="aliyun_ecs",
        regions={"A": "cn-hangzhou", "B": "cn-beijing"},
        endpoint={"endpoint": url},
        credentials={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY},
        env={"CLOUD_ALIYUN_ACCESS_KEY": ACCESS_KEY, "CLOUD_ALIYUN_SECRET_KEY": SECRET_KEY},
        bad_key={"access_key": "LTAI5tWrongKey", "secret_key": SECRET_KEY, "endpoint": url},
        bad_key_code="InvalidAccessKeyId.NotFound",
        bad_secret={"access_key": ACCESS_KEY, "secret_key": "wrong", "endpoint": url},
        bad_secret_code="InvalidAccessKeySecret",
        endpoint_option="endpoint",
        vpc_ids={"main": "vpc-bp1main", "other": "vpc-bp1other"},
        server=aliyun_stub,
    )


@pytest.fixture
def tencent_cvm_provider(tencent_stub) -> Provider:
    url = f"http://127.0.0.1:{tencent_stub.port}"
    secret_id = "AKID" + ACCESS_KEY
    return Provider(
        plugin="tencent_cvm",
        regions={"A": "ap-guangzhou", "B": "ap-shanghai"},
        endpoint={"endpoint": url},
        credentials={"secret_id": secret_id, "secret_key": SECRET_KEY},
        env={"CLOUD_TENCENT_SECRET_ID": secret_id, "CLOUD_TENCENT_SECRET_KEY": SECRET_KEY},
        bad_key={"secret_id": "AKIDwrong", "secret_key": SECRET_KEY, "endpoint": url},
        bad_key_code="AuthFailure.SecretIdNotFound",
        bad_secret={"secret_id": secret_id, "secret_key": "wrong", "endpoint": url},
        bad_secret_code="AuthFailure.SignatureFailure",
        endpoint_option="endpoint",
        vpc_ids={"main": "vpc-main", "other": "vpc-other"},
        server=tencent_stub,
    )


@pytest.fixture
def aws_ec2_provider(moto_ec2, moto_servers) -> Provider:
    url = moto_ec2["url"]
    auth_url = moto_servers[1]
    return Provider(
        plugin="aws_ec2",
        regions=dict(AWS_REGIONS),
        endpoint={"endpoint_url": url},
        credentials={"access_key": "AKIATESTING", "secret_key": "testing"},
        env={
            "AWS_ACCESS_KEY_ID": "AKIATESTING",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        # the second moto server enforces IAM auth: unknown keys get the real EC2 error
        bad_key={"access_key": "AKIAWRONG", "secret_key": "wrong", "endpoint_url": auth_url},
        bad_key_code="AuthFailure",
        bad_secret={"access_key": "AKIAWRONG", "secret_key": "wrong", "endpoint_url": auth_url},
        bad_secret_code="AuthFailure",
        endpoint_option="endpoint_url",
        vpc_ids={name: moto_ec2["vpcs"][(AWS_REGIONS["A"], name)][0] for name in ("main", "other")},
        server=None,
    )


# ---------------------------------------------------------------------------------------------
# running ansible-inventory
# ---------------------------------------------------------------------------------------------
@dataclass
class InventoryRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def data(self) -> dict:
        return unwrap(json.loads(self.stdout))

    @property
    def hostvars(self) -> dict:
        return self.data["_meta"]["hostvars"]

    def group(self, name: str) -> list[str]:
        return sorted(self.data.get(name, {}).get("hosts", []))


@pytest.fixture
def run_inventory(tmp_path):
    """Write ``config`` as <tmp>/<stem>.<plugin>.yml and run ``ansible-inventory --list``."""

    def run(
        plugin: str, config: dict, env: dict | None = None, stem: str = "test", fail=False, extra=()
    ) -> InventoryRun:
        path = tmp_path / f"{stem}.{plugin}.yml"
        path.write_text(yaml.safe_dump({"plugin": plugin, **config}, sort_keys=False))
        run_env = clean_env()
        run_env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            ANSIBLE_CONFIG=str(tmp_path / "no-ansible.cfg"),
            ANSIBLE_INVENTORY_PLUGINS=str(PLUGIN_DIR),
            ANSIBLE_INVENTORY_ENABLED=plugin,
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
            ANSIBLE_HOME=str(tmp_path / "ansible-home"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_INVENTORY_UNPARSED_FAILED="1" if fail else "0",
            **(env or {}),
        )
        proc = subprocess.run(
            ["ansible-inventory", "-i", str(path), "--list", *extra],
            env=run_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return InventoryRun(proc.returncode, proc.stdout, proc.stderr)

    return run

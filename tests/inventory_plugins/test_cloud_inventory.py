"""The same behaviour, checked for every cloud plugin against a real HTTP endpoint.

``provider`` runs each test for aliyun_ecs (local ECS stub), tencent_cvm (local CVM stub) and
aws_ec2 (moto_server); all serve the FLEET of conftest.py: 28 instances, 26 of them in region A
(more than two pages of 10), two stopped, one Windows box in another VPC.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(120)

NORMALISED = (
    "cloud_provider",
    "cloud_instance_id",
    "cloud_instance_name",
    "cloud_region",
    "cloud_zone",
    "cloud_instance_type",
    "cloud_state",
    "cloud_status",
    "cloud_os_name",
    "cloud_os_type",
    "cloud_private_ip",
    "cloud_public_ip",
    "cloud_private_ips",
    "cloud_public_ips",
    "cloud_vpc_id",
    "cloud_tags",
)
PROVIDER_NAMES = {"aliyun_ecs": "aliyun", "tencent_cvm": "tencent", "aws_ec2": "aws"}


def base_config(provider, **extra) -> dict:
    return {
        **provider.endpoint,
        "regions": ["all"],
        "page_size": 10,
        "hostnames": ["instance_name"],
        **extra,
    }


def test_list_reads_every_page_builds_groups_and_matches_fetch(provider, run_inventory, fleet):
    names = fleet.names
    config = base_config(
        provider,
        keyed_groups=[
            {"key": "cloud_tags.env", "prefix": "env"},
            {"key": "cloud_region", "prefix": "region"},
            {"key": "cloud_state", "prefix": "state"},
        ],
        groups={"windows": "cloud_os_type == 'windows'"},
        compose={"ansible_user": "'Administrator' if cloud_os_type == 'windows' else 'root'"},
    )
    run = run_inventory(provider.plugin, config, env=provider.env, fail=True)
    assert run.returncode == 0, run.stderr

    # every instance of every page of every region, nothing else
    assert sorted(run.hostvars) == names()
    assert run.group(provider.plugin) == names()
    region_a = provider.regions["A"].replace("-", "_")
    region_b = provider.regions["B"].replace("-", "_")
    assert run.group(f"region_{region_a}") == names(lambda b: b.region == "A")
    assert len(run.group(f"region_{region_a}")) > 2 * fleet.page_size
    assert run.group(f"region_{region_b}") == names(lambda b: b.region == "B")
    assert run.group("env_prod") == names(lambda b: b.tags["env"] == "prod")
    assert run.group("env_dev") == names(lambda b: b.tags["env"] == "dev")
    assert run.group("state_stopped") == ["web-24", "web-25"]
    assert run.group("windows") == ["web-26"]

    web01 = run.hostvars["web-01"]
    assert web01["cloud_provider"] == PROVIDER_NAMES[provider.plugin]
    assert web01["cloud_region"] == provider.regions["A"]
    assert web01["cloud_zone"].startswith(provider.regions["A"])
    assert web01["cloud_state"] == "running"
    assert web01["cloud_os_type"] == "linux"
    assert web01["cloud_tags"]["env"] == "prod"
    assert web01["cloud_tags"]["role"] == "web"
    assert web01["cloud_vpc_id"] == provider.vpc_ids["main"]
    assert web01["cloud_instance_name"] == "web-01"
    assert web01["cloud_instance_type"]
    assert web01["cloud_private_ip"]
    assert web01["ansible_host"] == web01["cloud_private_ip"]
    assert web01["ansible_user"] == "root"
    for key in NORMALISED:
        assert key in web01, key
    web26 = run.hostvars["web-26"]
    assert web26["cloud_os_type"] == "windows"
    assert web26["ansible_user"] == "Administrator"
    assert web26["cloud_vpc_id"] == provider.vpc_ids["other"]
    assert run.hostvars["web-24"]["cloud_state"] == "stopped"

    # the hub's code path: fetch_instances returns exactly these host variables
    records = provider.module.fetch_instances(provider.options(regions=["all"]))
    assert len(records) == len(fleet.boxes)
    by_name = {r["cloud_instance_name"]: r for r in records}
    for name, hostvars in run.hostvars.items():
        composed = {k: v for k, v in hostvars.items() if k != "ansible_user"}
        assert by_name[name] == composed


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "running"}, lambda b: b.running),
        ({"status": ["stopped"]}, lambda b: not b.running),
        ({"name": "web-1*"}, lambda b: 10 <= b.n <= 19),
        (
            {"status": "running", "tags": {"env": "prod"}},
            lambda b: b.running and b.tags["env"] == "prod",
        ),
        ({"tags": ["role=w*"]}, lambda b: b.tags["role"] in ("web", "win")),
        ({"tags": ["role"], "name": ["web-3?"]}, lambda b: b.n in (31, 32)),
        ({"vpc_id": "other"}, lambda b: b.vpc == "other"),
        (
            {"state": "RUNNING", "vpc_id": ["main"], "tags": {"role": "db"}},
            lambda b: b.n > 12 and b.n < 24,
        ),
    ],
    ids=[
        "status-running",
        "status-stopped",
        "name-glob",
        "status+tag",
        "tag-glob",
        "tag-key",
        "vpc",
        "state+vpc+tag",
    ],
)
def test_filters(provider, fleet, filters, expected):
    if "vpc_id" in filters:
        vpcs = filters["vpc_id"] if isinstance(filters["vpc_id"], list) else [filters["vpc_id"]]
        filters = {**filters, "vpc_id": [provider.vpc_ids[v] for v in vpcs]}
    records = provider.module.fetch_instances(provider.options(filters=filters))
    assert sorted(r["cloud_instance_name"] for r in records) == fleet.names(expected)


def test_filters_region_list_and_addresses_through_ansible_inventory(
    provider, run_inventory, fleet
):
    filters = {"status": "running", "name": ["web-1*", "web-2?"], "tags": {"env": "prod"}}
    config = base_config(
        provider,
        regions=[provider.regions["A"]],
        filters=filters,
        hostnames=["private_ip"],
        address="public_ip",
    )
    run = run_inventory(provider.plugin, config, env=provider.env, fail=True)
    assert run.returncode == 0, run.stderr
    found = sorted(v["cloud_instance_name"] for v in run.hostvars.values())
    assert found == fleet.names(lambda b: b.running and b.n >= 10 and b.tags["env"] == "prod")
    for host, hostvars in run.hostvars.items():
        assert host == hostvars["cloud_private_ip"]
        assert hostvars["ansible_host"] == hostvars["cloud_public_ip"]
        assert hostvars["cloud_public_ip"]


def test_bad_credentials_give_the_providers_auth_error(provider, run_inventory):
    module = provider.module
    cases = [(provider.bad_key, provider.bad_key_code)]
    if provider.bad_secret != provider.bad_key:
        cases.append((provider.bad_secret, provider.bad_secret_code))
    for options, code in cases:
        with pytest.raises(module.CloudInventoryError) as caught:
            module.fetch_instances({**options, "regions": [provider.regions["A"]]})
        assert caught.value.kind == "auth"
        assert caught.value.code == code
        assert "authentication failed" in str(caught.value)
        assert code in str(caught.value)

    config = {**provider.bad_key, "regions": [provider.regions["A"]]}
    run = run_inventory(provider.plugin, config, fail=True)
    assert run.returncode != 0
    assert "authentication failed" in run.stderr
    assert provider.bad_key_code in run.stderr


def test_unreachable_endpoint_is_named(provider, run_inventory, fleet):
    url = f"http://127.0.0.1:{fleet.free_port()}"
    options = {
        **provider.credentials,
        provider.endpoint_option: url,
        "regions": [provider.regions["A"]],
        "max_retries": 0,
        "timeout": 5,
    }
    with pytest.raises(provider.module.CloudInventoryError) as caught:
        provider.module.fetch_instances(options)
    assert caught.value.kind == "endpoint"
    assert f"endpoint {url}" in str(caught.value)
    assert "unreachable" in str(caught.value)

    run = run_inventory(provider.plugin, options, fail=True)
    assert run.returncode != 0
    assert f"endpoint {url} is unreachable" in run.stderr


def test_verify_file_accepts_only_its_own_suffixes(provider, tmp_path):
    plugin = provider.module.InventoryModule()
    for name, accepted in (
        (f"x.{provider.plugin}.yml", True),
        (f"x.{provider.plugin}.yaml", True),
        (f"{provider.plugin}.yml", True),
        ("x.other_cloud.yml", False),
        (f"x.{provider.plugin}.json", False),
    ):
        path = tmp_path / name
        path.write_text(f"plugin: {provider.plugin}\n")
        assert plugin.verify_file(str(path)) is accepted, name

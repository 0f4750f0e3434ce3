"""What each plugin puts on the wire: paging, signatures, server-side filters, caching."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "inventory_plugins"


def _new_requests(server, before: int, action: str = "DescribeInstances") -> list[dict]:
    return [r for r in server.requests[before:] if r["action"] == action]


# ---------------------------------------------------------------------------------------------
# Aliyun ECS
# ---------------------------------------------------------------------------------------------
def test_aliyun_pages_with_pagenumber_and_signs_every_request(aliyun_ecs_provider):
    provider = aliyun_ecs_provider
    before = len(provider.server.requests)
    records = provider.module.fetch_instances(provider.options(regions=["cn-hangzhou"]))
    assert len(records) == 26
    calls = _new_requests(provider.server, before)
    assert [c["params"]["PageNumber"] for c in calls] == ["1", "2", "3"]
    nonces = set()
    for call in calls:
        params = call["params"]
        assert params["PageSize"] == "10"
        assert params["RegionId"] == "cn-hangzhou"
        assert params["Version"] == "2014-05-26"
        assert params["AccessKeyId"] == provider.credentials["access_key"]
        assert params["SignatureMethod"] == "HMAC-SHA1"
        assert params["SignatureVersion"] == "1.0"
        assert params["Signature"]  # and the stub recomputed it with the secret
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", params["Timestamp"])
        nonces.add(params["SignatureNonce"])
    assert len(nonces) == len(calls)


def test_aliyun_all_regions_and_server_side_filters(aliyun_ecs_provider):
    provider = aliyun_ecs_provider
    before = len(provider.server.requests)
    filters = {"status": "running", "vpc_id": "vpc-bp1main", "tags": {"env": "dev", "role": "*"}}
    records = provider.module.fetch_instances(provider.options(regions=["all"], filters=filters))
    assert sorted(r["cloud_instance_name"] for r in records) == sorted(
        [f"web-{n:02d}" for n in range(2, 24, 2)] + ["web-31", "web-32"]
    )
    assert _new_requests(provider.server, before, "DescribeRegions")
    calls = _new_requests(provider.server, before)
    assert {c["params"]["RegionId"] for c in calls} == {"cn-hangzhou", "cn-beijing", "cn-shanghai"}
    params = calls[0]["params"]
    assert params["Status"] == "Running"
    assert params["VpcId"] == "vpc-bp1main"
    sent_tags = {
        params[f"Tag.{n}.Key"]: params.get(f"Tag.{n}.Value")
        for n in (1, 2)
        if f"Tag.{n}.Key" in params
    }
    assert sent_tags == {"env": "dev", "role": None}


def test_aliyun_inventory_cache(aliyun_ecs_provider, run_inventory, tmp_path):
    provider = aliyun_ecs_provider
    config = {
        **provider.endpoint,
        "regions": ["cn-beijing"],
        "page_size": 10,
        "cache": True,
        "cache_plugin": "jsonfile",
        "cache_connection": str(tmp_path / "cache"),
        "cache_timeout": 600,
    }
    before = len(provider.server.requests)
    first = run_inventory(provider.plugin, config, env=provider.env, fail=True)
    assert first.returncode == 0, first.stderr
    assert len(_new_requests(provider.server, before)) == 1
    assert any((tmp_path / "cache").iterdir())
    second = run_inventory(provider.plugin, config, env=provider.env, fail=True)
    assert second.returncode == 0, second.stderr
    assert len(_new_requests(provider.server, before)) == 1  # answered from the cache
    assert second.hostvars == first.hostvars
    third = run_inventory(
        provider.plugin, config, env=provider.env, fail=True, extra=("--flush-cache",)
    )
    assert third.returncode == 0, third.stderr
    assert len(_new_requests(provider.server, before)) == 2


# ---------------------------------------------------------------------------------------------
# Tencent Cloud CVM
# ---------------------------------------------------------------------------------------------
def test_tencent_pages_with_offset_limit_and_signs_tc3(tencent_cvm_provider):
    provider = tencent_cvm_provider
    before = len(provider.server.requests)
    records = provider.module.fetch_instances(provider.options(regions=["ap-guangzhou"]))
    assert len(records) == 26
    calls = _new_requests(provider.server, before)
    assert [(c["params"]["Offset"], c["params"]["Limit"]) for c in calls] == [
        (0, 10),
        (10, 10),
        (20, 10),
    ]
    for call in calls:
        headers = call["headers"]
        assert call["region"] == "ap-guangzhou"
        assert headers["x-tc-action"] == "DescribeInstances"
        assert headers["x-tc-version"] == "2017-03-12"
        assert headers["x-tc-timestamp"].isdigit()
        assert headers["content-type"].startswith("application/json")
        assert re.match(
            rf"TC3-HMAC-SHA256 Credential={provider.credentials['secret_id']}/\d{{4}}-\d\d-\d\d/"
            r"cvm/tc3_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$",
            headers["authorization"],
        )


def test_tencent_all_regions_and_server_side_filters(tencent_cvm_provider):
    provider = tencent_cvm_provider
    before = len(provider.server.requests)
    filters = {"status": ["running"], "vpc_id": "vpc-other", "tags": ["role=win"]}
    records = provider.module.fetch_instances(provider.options(regions=["all"], filters=filters))
    assert [r["cloud_instance_name"] for r in records] == ["web-26"]
    assert records[0]["cloud_os_type"] == "windows"
    assert _new_requests(provider.server, before, "DescribeRegions")
    calls = _new_requests(provider.server, before)
    assert {c["region"] for c in calls} == {"ap-guangzhou", "ap-shanghai", "ap-beijing"}
    assert calls[0]["params"]["Filters"] == [
        {"Name": "instance-state", "Values": ["RUNNING"]},
        {"Name": "vpc-id", "Values": ["vpc-other"]},
        {"Name": "tag:role", "Values": ["win"]},
    ]


# ---------------------------------------------------------------------------------------------
# AWS EC2 (moto server)
# ---------------------------------------------------------------------------------------------
def test_aws_paginator_reads_every_page_and_filters_server_side(aws_ec2_provider, monkeypatch):
    provider = aws_ec2_provider
    module = provider.module
    sent: list[dict] = []
    original = module._client

    def recording_client(session, opts, region):
        client = original(session, opts, region)
        client.meta.events.register(
            "provide-client-params.ec2.DescribeInstances",
            lambda params, **kwargs: sent.append(dict(params)),
        )
        return client

    monkeypatch.setattr(module, "_client", recording_client)
    records = module.fetch_instances(provider.options(regions=["us-east-1"]))
    assert len(records) == 26
    assert [p.get("MaxResults") for p in sent] == [10, 10, 10]
    assert "NextToken" not in sent[0] and all(p.get("NextToken") for p in sent[1:])

    sent.clear()
    running = module.fetch_instances(
        provider.options(regions=["us-east-1"], filters={"status": "running", "tags": ["env"]})
    )
    assert len(running) == 24  # web-24 and web-25 are stopped
    assert {r["cloud_state"] for r in running} == {"running"}
    assert sent[0]["Filters"] == [
        {"Name": "instance-state-name", "Values": ["running"]},
        {"Name": "tag-key", "Values": ["env"]},
    ]
    web26 = next(r for r in running if r["cloud_instance_name"] == "web-26")
    assert web26["cloud_os_type"] == "windows"
    assert web26["cloud_tags"] == {"Name": "web-26", "env": "prod", "role": "win"}
    assert web26["cloud_zone"].startswith("us-east-1")
    assert web26["instance_id"].startswith("i-")


# ---------------------------------------------------------------------------------------------
# the hub's way of using the plugins
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("plugin", ["aliyun_ecs", "tencent_cvm", "aws_ec2"])
def test_loaded_by_path_with_provider_neutral_option_names(plugin, request):
    provider = request.getfixturevalue(f"{plugin}_provider")
    spec = importlib.util.spec_from_file_location(
        f"hub_cloud_{plugin}", PLUGIN_DIR / f"{plugin}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    credentials = list(provider.credentials.values())
    options = {
        "access_key": credentials[0],
        "secret_key": credentials[1],
        "endpoint": next(iter(provider.endpoint.values())),
        "regions": [provider.regions["B"]],
    }
    records = module.fetch_instances(options)
    assert sorted(r["cloud_instance_name"] for r in records) == ["web-31", "web-32"]
    assert {r["cloud_region"] for r in records} == {provider.regions["B"]}


def test_duplicate_host_names_fall_back_to_instance_ids(aliyun_ecs_provider):
    from ansible.inventory.data import InventoryData
    from ansible.plugins.loader import inventory_loader

    from .conftest import cloud_stubs

    module = aliyun_ecs_provider.module
    twins = [cloud_stubs.aliyun_instance(n) for n in (1, 2)]
    for twin in twins:
        twin["InstanceName"] = "same-name"
    records = [module.normalise_instance(t, "cn-hangzhou") for t in twins]
    inventory_loader.add_directory(str(PLUGIN_DIR))
    plugin = inventory_loader.get("aliyun_ecs")
    plugin.inventory = InventoryData()
    plugin.set_options(direct={"plugin": "aliyun_ecs"})
    plugin._populate(records, ["instance_name"])
    assert sorted(plugin.inventory.hosts) == ["i-bp10000000002", "same-name"]
    assert plugin.inventory.get_host("same-name").vars["cloud_instance_id"] == "i-bp10000000001"

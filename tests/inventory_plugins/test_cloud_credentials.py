"""Aliyun and Tencent credentials beyond a key pair (STS tokens, CLI profiles / credentials
files, Aliyun RAM roles through STS AssumeRole) and provider-native filters, against the stub
servers, which check that the token is sent and signed the way the providers require."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.timeout(120)

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "inventory_plugins"
VENV_BIN = Path(sys.executable).parent
ROLE_ARN = "acs:ram::1234567890123456:role/inventory-reader"


def _names(records) -> list[str]:
    return sorted(r["cloud_instance_name"] for r in records)


def _calls(server, before: int, action: str = "DescribeInstances") -> list[dict]:
    return [r for r in server.requests[before:] if r["action"] == action]


def _ansible_inventory(tmp_path: Path, name: str, config: dict, env: dict):
    """``ansible-inventory --list`` on a config naming the plugin by its FQCN."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    run_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANSIBLE_", "CLOUD_", "ALIBABA_", "TENCENTCLOUD_"))
    }
    run_env.update(
        env,
        HOME=str(tmp_path),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        ANSIBLE_CONFIG=str(tmp_path / "no-ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(PLUGIN_DIR),
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
    )
    return subprocess.run(
        ["ansible-inventory", "-i", str(path), "--list"],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------------------------------------
# Aliyun ECS
# ---------------------------------------------------------------------------------------------
def test_aliyun_security_token_is_sent_and_signed(aliyun_ecs_provider, tmp_path, fleet):
    provider, server = aliyun_ecs_provider, aliyun_ecs_provider.server
    token = server.add_temporary_key("STS.NTtemporary01", "temporary-secret")
    options = {**provider.endpoint, "regions": ["cn-beijing"], "access_key": "STS.NTtemporary01"}
    before = len(server.requests)
    records = provider.module.fetch_instances(
        {**options, "secret_key": "temporary-secret", "security_token": token}
    )
    assert _names(records) == ["web-31", "web-32"]
    (call,) = _calls(server, before)
    assert call["params"]["SecurityToken"] == token  # and the stub's signature check covered it

    for wrong, code in ((None, "InvalidSecurityToken.Malformed"), ("CAISwrong", "Mismatch")):
        with pytest.raises(provider.module.CloudInventoryError) as caught:
            provider.module.fetch_instances(
                {**options, "secret_key": "temporary-secret", "security_token": wrong}
            )
        assert caught.value.kind == "auth"
        assert code in caught.value.code

    run = _ansible_inventory(
        tmp_path,
        "sts.aliyun_ecs.yml",
        {"plugin": "opsjob.cloud.aliyun_ecs", **options, "hostnames": ["instance_name"]},
        {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.NTtemporary01",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "temporary-secret",
            "ALIBABA_CLOUD_SECURITY_TOKEN": token,
        },
    )
    assert run.returncode == 0, run.stderr
    assert sorted(fleet.unwrap(json.loads(run.stdout))["_meta"]["hostvars"]) == [
        "web-31",
        "web-32",
    ]


def test_aliyun_ram_role_arn_is_assumed_through_sts(aliyun_ecs_provider):
    provider, server = aliyun_ecs_provider, aliyun_ecs_provider.server
    server.roles.add(ROLE_ARN)
    url = provider.endpoint["endpoint"]
    options = provider.options(
        regions=["cn-beijing"], ram_role_arn=ROLE_ARN, sts_endpoint=url, ram_role_duration=900
    )
    before = len(server.requests)
    assert _names(provider.module.fetch_instances(options)) == ["web-31", "web-32"]
    (assume,) = _calls(server, before, "AssumeRole")
    assert assume["params"]["RoleArn"] == ROLE_ARN
    assert assume["params"]["RoleSessionName"] == "opsjob-cloud-inventory"
    assert assume["params"]["DurationSeconds"] == "900"
    assert assume["params"]["AccessKeyId"] == provider.credentials["access_key"]
    assert "SecurityToken" not in assume["params"]
    (describe,) = _calls(server, before)
    assert describe["params"]["AccessKeyId"].startswith("STS.")
    assert describe["params"]["SecurityToken"].startswith("CAIS")

    with pytest.raises(provider.module.CloudInventoryError) as caught:
        provider.module.fetch_instances({**options, "ram_role_arn": ROLE_ARN + "-gone"})
    assert caught.value.code == "EntityNotExist.Role"


def test_aliyun_cli_profiles(aliyun_ecs_provider, tmp_path):
    provider, server = aliyun_ecs_provider, aliyun_ecs_provider.server
    server.roles.add(ROLE_ARN)
    token = server.add_temporary_key("STS.NTprofile01", "profile-secret")
    key, secret = provider.credentials["access_key"], provider.credentials["secret_key"]
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "current": "main",
                "profiles": [
                    {"name": "main", "mode": "AK", "access_key_id": key,
                     "access_key_secret": secret},
                    {"name": "temp", "mode": "StsToken", "access_key_id": "STS.NTprofile01",
                     "access_key_secret": "profile-secret", "sts_token": token},
                    {"name": "role", "mode": "RamRoleArn", "access_key_id": key,
                     "access_key_secret": secret, "ram_role_arn": ROLE_ARN,
                     "ram_session_name": "from-profile"},
                ],
            }
        )
    )  # fmt: skip
    base = {**provider.endpoint, "regions": ["cn-beijing"], "config_file": str(config)}
    for profile in (None, "temp", "role"):
        before = len(server.requests)
        options = {**base, "profile": profile, "sts_endpoint": provider.endpoint["endpoint"]}
        assert _names(provider.module.fetch_instances(options)) == ["web-31", "web-32"], profile
        (describe,) = _calls(server, before)
        sent = describe["params"]
        if profile is None:
            assert sent["AccessKeyId"] == key and "SecurityToken" not in sent
        elif profile == "temp":
            assert sent["AccessKeyId"] == "STS.NTprofile01" and sent["SecurityToken"] == token
        else:
            (assume,) = _calls(server, before, "AssumeRole")
            assert assume["params"]["RoleSessionName"] == "from-profile"
            assert sent["AccessKeyId"].startswith("STS.")
    with pytest.raises(provider.module.CloudInventoryError) as caught:
        provider.module.fetch_instances({**base, "profile": "missing"})
    assert caught.value.kind == "auth" and caught.value.code == "ProfileNotFound"


def test_aliyun_any_describe_instances_parameter_is_a_filter(aliyun_ecs_provider, fleet):
    provider, server = aliyun_ecs_provider, aliyun_ecs_provider.server
    module = provider.module
    before = len(server.requests)
    filters = {"zone_id": "cn-hangzhou-h", "InstanceIds": ["i-bp10000000001", "i-bp10000000002",
               "i-bp10000000003"], "status": "running"}  # fmt: skip
    records = module.fetch_instances(provider.options(regions=["cn-hangzhou"], filters=filters))
    assert _names(records) == ["web-01", "web-03"]
    params = _calls(server, before)[0]["params"]
    assert params["ZoneId"] == "cn-hangzhou-h"
    assert json.loads(params["InstanceIds"]) == [f"i-bp100000000{n:02d}" for n in (1, 2, 3)]
    assert params["Status"] == "Running"
    kind = module.fetch_instances(
        provider.options(regions=["cn-hangzhou"], filters={"InstanceName": "web-2*"})
    )
    assert _names(kind) == fleet.names(lambda b: 20 <= b.n <= 26)
    for bad in ({"colour": "red"}, {"zone": "a"}, {"PageSize": 5}):
        with pytest.raises(module.CloudInventoryError) as caught:
            module.normalise_filters(bad)
        assert caught.value.kind == "config"
        assert "DescribeInstances parameter" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Tencent Cloud CVM
# ---------------------------------------------------------------------------------------------
def test_tencent_session_token_goes_in_x_tc_token(tencent_cvm_provider, tmp_path, fleet):
    provider, server = tencent_cvm_provider, tencent_cvm_provider.server
    token = server.add_temporary_key("AKIDtemporary01", "temporary-secret")
    options = {**provider.endpoint, "regions": ["ap-shanghai"], "secret_id": "AKIDtemporary01"}
    before = len(server.requests)
    records = provider.module.fetch_instances(
        {**options, "secret_key": "temporary-secret", "session_token": token}
    )
    assert _names(records) == ["web-31", "web-32"]
    (call,) = _calls(server, before)
    assert call["headers"]["x-tc-token"] == token
    assert call["headers"]["authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=AKIDtemporary01/"
    )
    with pytest.raises(provider.module.CloudInventoryError) as caught:
        provider.module.fetch_instances({**options, "secret_key": "temporary-secret"})
    assert caught.value.kind == "auth" and caught.value.code == "AuthFailure.TokenFailure"

    run = _ansible_inventory(
        tmp_path,
        "sts.tencent_cvm.yml",
        {"plugin": "opsjob.cloud.tencent_cvm", **options, "hostnames": ["instance_name"]},
        {
            "TENCENTCLOUD_SECRET_ID": "AKIDtemporary01",
            "TENCENTCLOUD_SECRET_KEY": "temporary-secret",
            "TENCENTCLOUD_SESSION_TOKEN": token,
        },
    )
    assert run.returncode == 0, run.stderr
    assert sorted(fleet.unwrap(json.loads(run.stdout))["_meta"]["hostvars"]) == [
        "web-31",
        "web-32",
    ]


def test_tencent_credentials_file_profiles(tencent_cvm_provider, tmp_path):
    provider, server = tencent_cvm_provider, tencent_cvm_provider.server
    token = server.add_temporary_key("AKIDprofile01", "profile-secret")
    path = tmp_path / "credentials"
    path.write_text(
        f"[default]\nsecret_id = {provider.credentials['secret_id']}\n"
        f"secret_key = {provider.credentials['secret_key']}\n\n"
        f"[temp]\nsecret_id = AKIDprofile01\nsecret_key = profile-secret\ntoken = {token}\n"
    )
    base = {**provider.endpoint, "regions": ["ap-shanghai"], "credentials_file": str(path)}
    for profile, secret_id in (
        (None, provider.credentials["secret_id"]),
        ("temp", "AKIDprofile01"),
    ):
        before = len(server.requests)
        records = provider.module.fetch_instances({**base, "profile": profile})
        assert _names(records) == ["web-31", "web-32"]
        (call,) = _calls(server, before)
        assert f"Credential={secret_id}/" in call["headers"]["authorization"]
        assert call["headers"].get("x-tc-token") == (token if profile else None)
    with pytest.raises(provider.module.CloudInventoryError) as caught:
        provider.module.fetch_instances({**base, "profile": "nope"})
    assert caught.value.kind == "auth" and "[nope]" in str(caught.value)


def test_tencent_any_describe_instances_filter_is_passed(tencent_cvm_provider):
    provider, server = tencent_cvm_provider, tencent_cvm_provider.server
    module = provider.module
    before = len(server.requests)
    filters = {
        "zone": "ap-guangzhou-4",
        "instance-id": ["ins-00000001", "ins-00000002", "ins-00000003"],
        "instance-charge-type": "POSTPAID_BY_HOUR",
        "status": "running",
    }
    records = module.fetch_instances(provider.options(regions=["ap-guangzhou"], filters=filters))
    assert _names(records) == ["web-01", "web-03"]
    sent = _calls(server, before)[0]["params"]["Filters"]
    assert {"Name": "zone", "Values": ["ap-guangzhou-4"]} in sent
    assert {"Name": "instance-id", "Values": filters["instance-id"]} in sent
    assert {"Name": "instance-charge-type", "Values": ["POSTPAID_BY_HOUR"]} in sent
    assert {"Name": "instance-state", "Values": ["RUNNING"]} in sent
    for bad in ({"colour": "red"}, {"tag:": "x"}):
        with pytest.raises(module.CloudInventoryError) as caught:
            module.normalise_filters(bad)
        assert caught.value.kind == "config"


def test_tencent_role_arn_is_assumed_through_sts(tencent_cvm_provider):
    provider, server = tencent_cvm_provider, tencent_cvm_provider.server
    arn = "qcs::cam::uin/100000000001:roleName/inventory-reader"
    server.roles.add(arn)
    options = provider.options(
        regions=["all"], role_arn=arn, sts_endpoint=provider.endpoint["endpoint"]
    )
    before = len(server.requests)
    records = provider.module.fetch_instances({**options, "filters": {"name": "web-3?"}})
    assert _names(records) == ["web-31", "web-32"]
    (assume,) = _calls(server, before, "AssumeRole")  # once, also for DescribeRegions
    assert assume["params"] == {
        "RoleArn": arn,
        "RoleSessionName": "opsjob-cloud-inventory",
        "DurationSeconds": 7200,
    }
    assert "/sts/tc3_request" in assume["headers"]["authorization"]
    assert f"Credential={provider.credentials['secret_id']}/" in assume["headers"]["authorization"]
    for call in _calls(server, before, "DescribeRegions") + _calls(server, before):
        assert "Credential=AKIDtmp" in call["headers"]["authorization"]
        assert call["headers"]["x-tc-token"]
    with pytest.raises(provider.module.CloudInventoryError) as caught:
        provider.module.fetch_instances({**options, "role_arn": arn + "-gone"})
    assert caught.value.code == "ResourceNotFound.RoleNotExist"

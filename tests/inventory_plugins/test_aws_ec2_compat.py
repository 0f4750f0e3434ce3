"""opsjob.cloud.aws_ec2 against amazon.aws.aws_ec2 (the reference, from the ``ansible`` package):
the same amazon.aws config, run with ``ansible-inventory --list`` through each plugin on the same
moto_server data, must give the same hosts, groups, composed variables and amazon.aws host
variables.

The data: 13 instances in two regions, tagged, in two instance types and several zones; one
stopped, one terminated, one without a Name tag, one with a tag value that needs sanitizing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.timeout(300)

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "inventory_plugins"
VENV_BIN = Path(sys.executable).parent
# name, region, zone letter, instance type, tags (besides Name), final state
INSTANCES = [
    ("web-01", "us-east-1", "a", "t3.micro", {"env": "prod", "role": "web"}, "running"),
    ("web-02", "us-east-1", "b", "t3.micro", {"env": "prod", "role": "web"}, "running"),
    ("web-03", "us-east-1", "a", "t3.small", {"env": "dev", "role": "web"}, "running"),
    ("db-01", "us-east-1", "a", "t3.small", {"env": "prod", "role": "db"}, "running"),
    ("db-02", "us-east-1", "b", "t3.small", {"env": "dev", "role": "db"}, "stopped"),
    ("old-01", "us-east-1", "b", "t3.micro", {"env": "prod", "role": "web"}, "terminated"),
    ("batch-01", "us-east-1", "a", "t3.micro", {"env": "dev", "team": "Data Ops"}, "running"),
    (None, "us-east-1", "b", "t3.micro", {"env": "dev", "role": "web"}, "running"),
    ("app-01", "eu-west-1", "a", "t3.micro", {"env": "prod", "role": "app"}, "running"),
    ("app-02", "eu-west-1", "b", "t3.small", {"env": "prod", "role": "app"}, "running"),
    ("app-03", "eu-west-1", "a", "t3.micro", {"env": "dev", "role": "app"}, "running"),
    ("db-11", "eu-west-1", "b", "t3.small", {"env": "prod", "role": "db"}, "running"),
    ("web-11", "eu-west-1", "a", "t3.micro", {"env": "dev", "role": "web"}, "running"),
]
REGIONS = ["us-east-1", "eu-west-1"]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
COMPOSE = {
    "ansible_host": "private_ip_address",
    "zone": "placement.availability_zone",
    "ec2_state": "state.name",
    "sg_names": "security_groups | map(attribute='group_name') | list",
    "owner": "owner_id",
    "env_upper": "tags.env | upper",
}
KEYED_GROUPS = [
    {"key": "tags.env", "prefix": "env"},
    {"key": "tags.role", "prefix": "role"},
    {"key": "tags", "prefix": "tag"},
    {"key": "instance_type", "prefix": "type"},
    {"key": "placement.region", "prefix": "region"},
    {"key": "placement.availability_zone", "prefix": "az"},
    {"key": "state.name", "prefix": "state"},
    {"key": "security_groups | map(attribute='group_name')", "prefix": "sg"},
]
GROUPS = {
    "production": "tags.env == 'prod'",
    "small": "instance_type == 't3.small'",
    "stopped_boxes": "state.name == 'stopped'",
}
CONFIGS = {
    "keyed-groups-compose": {
        "hostnames": ["tag:Name", "private-ip-address"],
        "keyed_groups": KEYED_GROUPS,
        "groups": GROUPS,
        "compose": COMPOSE,
    },
    "native-filters": {
        "filters": {"instance-state-name": ["running"], "tag:env": "prod"},
        "hostnames": ["tag:Name", "private-ip-address"],
        "keyed_groups": KEYED_GROUPS[:4],
        "compose": COMPOSE,
    },
    "include-exclude": {
        "filters": {"tag:role": "web"},
        "include_filters": [{"tag:role": ["db"], "instance-type": "t3.small"}],
        "exclude_filters": [{"tag:Name": ["web-02", "db-11"]}],
        "hostnames": ["tag:Name", "private-ip-address"],
        "keyed_groups": KEYED_GROUPS[:2],
        "groups": GROUPS,
        "compose": COMPOSE,
    },
    "include-filters-only": {
        "include_filters": [{"tag:Name": "web-03"}],
        "hostnames": ["tag:Name", "private-ip-address"],
        "compose": COMPOSE,
    },
    "terminated-asked-for": {
        "filters": {"instance-state-name": ["terminated", "stopped"]},
        "hostnames": ["tag:Name", "instance-id"],
        "keyed_groups": [{"key": "state.name", "prefix": "state"}],
    },
    "prefix-suffix-duplicates": {
        "hostnames": ["tag:Name", "private-ip-address", "instance-id"],
        "allow_duplicated_hosts": True,
        "hostvars_prefix": "aws_",
        "hostvars_suffix": "_v",
        "keyed_groups": [
            {"key": "aws_tags_v.env", "prefix": "env"},
            {"key": "aws_instance_type_v", "prefix": "type", "separator": "-"},
        ],
        "groups": {"production": "aws_tags_v.env == 'prod'"},
        "compose": {"ansible_host": "aws_private_ip_address_v", "zone": "aws_placement_v.region"},
    },
    "dict-and-tag-hostnames": {
        "hostnames": [
            {"name": "tag:Name", "prefix": "tag:env", "separator": "-"},
            "tag:role=web",
            "private-dns-name",
        ],
        "keyed_groups": [{"key": "tags.team", "prefix": "team"}],
        "use_contrib_script_compatible_sanitization": True,
        "use_contrib_script_compatible_ec2_tag_keys": True,
        "compose": {"team": "ec2_tag_team | default('none')"},
    },
    "jinja2-hostnames": {
        "hostnames": ["tag:Name,role | join('-')", "tag:Name | upper", "private-ip-address"],
        "keyed_groups": [{"key": "tags.env", "prefix": "env"}],
        "compose": {"name_tag": "tags.Name | default('')"},
    },
    "jinja2-single-tag": {
        # eu-west-1 only: for an instance without the tag, amazon.aws templates the empty list
        # and names the host "[]"; ours moves on to the next entry
        "regions": ["eu-west-1"],
        "hostnames": ["tag:Name | upper", "private-ip-address | replace('.', '-')"],
        "groups": GROUPS,
    },
    "strict-compose": {
        "regions": ["eu-west-1"],
        "hostnames": ["private-ip-address"],
        "strict": False,
        "compose": {"missing": "tags.nothing.here", "role": "tags.role"},
        "keyed_groups": [{"key": "tags.nothing", "prefix": "x"}, {"key": "tags.role"}],
        "groups": {"apps": "tags.role == 'app'"},
    },
}


def _unwrap(value):
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


@pytest.fixture(scope="module")
def ec2_url(start_moto):
    import boto3

    url = start_moto()
    # distinct address ranges: amazon.aws merges instances that get the same name, we do not
    for region, net in zip(REGIONS, ("10.9", "10.8"), strict=True):
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=url, **_boto_credentials())
        vpc = ec2.create_vpc(CidrBlock=f"{net}.0.0/16")["Vpc"]["VpcId"]
        subnets = {}
        for n, letter in enumerate("ab"):
            subnet = ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"{net}.{n}.0/24", AvailabilityZone=f"{region}{letter}"
            )["Subnet"]["SubnetId"]
            ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
            subnets[letter] = subnet
        group = ec2.create_security_group(GroupName="app-sg", Description="app", VpcId=vpc)
        for name, inst_region, letter, kind, tags, state in INSTANCES:
            if inst_region != region:
                continue
            tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
            if name:
                tag_list.append({"Key": "Name", "Value": name})
            instance = ec2.run_instances(
                ImageId="ami-1e749f67",
                MinCount=1,
                MaxCount=1,
                InstanceType=kind,
                SubnetId=subnets[letter],
                SecurityGroupIds=[group["GroupId"]],
                TagSpecifications=[{"ResourceType": "instance", "Tags": tag_list}],
            )["Instances"][0]["InstanceId"]
            if state == "stopped":
                ec2.stop_instances(InstanceIds=[instance])
            elif state == "terminated":
                ec2.terminate_instances(InstanceIds=[instance])
    return url


def _boto_credentials() -> dict:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "CLOUD_"))}
    env.update(
        CREDENTIALS,
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
        AWS_EC2_METADATA_DISABLED="true",
        ANSIBLE_CONFIG=str(tmp_path / "no-ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(PLUGIN_DIR),
        ANSIBLE_INVENTORY_ENABLED="auto",
        ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_NOCOLOR="1",
    )
    return env


def run_list(tmp_path: Path, plugin: str, config: dict) -> dict:
    folder = tmp_path / plugin
    folder.mkdir()
    path = folder / "fleet.aws_ec2.yml"
    path.write_text(yaml.safe_dump({"plugin": plugin, **config}, sort_keys=False))
    proc = subprocess.run(
        ["ansible-inventory", "-i", str(path), "--list"],
        env=_env(tmp_path),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"{plugin}: {proc.stderr}"
    return _unwrap(json.loads(proc.stdout))


def groups_of(data: dict) -> dict:
    return {
        name: sorted(body.get("hosts", []))
        for name, body in data.items()
        if name not in ("_meta",) and body.get("hosts")
    }


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_same_inventory_as_amazon_aws(name, ec2_url, tmp_path):
    config = {"regions": REGIONS, "endpoint_url": ec2_url, **CONFIGS[name]}
    reference = run_list(tmp_path, "amazon.aws.aws_ec2", config)
    ours = run_list(tmp_path, "opsjob.cloud.aws_ec2", config)

    ref_vars, our_vars = reference["_meta"]["hostvars"], ours["_meta"]["hostvars"]
    assert ref_vars, "the reference found no hosts: the test data or config is wrong"
    assert sorted(our_vars) == sorted(ref_vars)
    assert groups_of(ours) == groups_of(reference)
    assert sorted(ours["all"]["children"]) == sorted(reference["all"]["children"])
    composed = set(config.get("compose", {}))
    for host, ref in ref_vars.items():
        mine = our_vars[host]
        assert {k: mine.get(k) for k in composed} == {k: ref.get(k) for k in composed}, host
        # every host variable amazon.aws sets, with the same value
        assert {k: mine.get(k) for k in ref} == ref, host


def test_terminated_left_out_and_names_as_amazon_aws(ec2_url, tmp_path):
    config = {"regions": REGIONS, "endpoint_url": ec2_url, **CONFIGS["keyed-groups-compose"]}
    ours = run_list(tmp_path, "opsjob.cloud.aws_ec2", config)
    hosts = ours["_meta"]["hostvars"]
    named = sorted(n for n, _, _, _, _, state in INSTANCES if n and state != "terminated")
    unnamed = [h for h in hosts if h not in named]
    assert sorted(h for h in hosts if h in named) == named
    assert len(unnamed) == 1 and unnamed[0].startswith("10.9.")  # private-ip-address
    assert "old-01" not in hosts
    web01 = hosts["web-01"]
    assert web01["state"] == {"code": 16, "name": "running"}
    assert web01["tags"] == {"Name": "web-01", "env": "prod", "role": "web"}
    assert web01["placement"]["region"] == "us-east-1"
    assert web01["placement"]["availability_zone"] == "us-east-1a"
    assert web01["security_groups"][0]["group_name"] == "app-sg"
    assert web01["instance_id"].startswith("i-")
    assert web01["cloud_state"] == "running" and web01["cloud_region"] == "us-east-1"
    assert sorted(ours["state_stopped"]["hosts"]) == ["db-02"]
    assert "tag_team_Data_Ops" in ours or "tag_team_Data Ops" in ours


def test_assume_role_arn_uses_sts_credentials(start_moto, tmp_path):
    """The role is assumed through STS (moto) and its temporary credentials list the instances;
    the same config works with amazon.aws."""
    import boto3

    url = start_moto()
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=url, **_boto_credentials())
    ec2.run_instances(
        ImageId="ami-1e749f67",
        MinCount=2,
        MaxCount=2,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "x"}]}],
    )
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=url, **_boto_credentials())
    role = iam.create_role(RoleName="inventory-reader", AssumeRolePolicyDocument="{}")
    config = {
        "region": "us-east-1",  # where STS is called (amazon.aws requires it for the role)
        "regions": ["us-east-1"],
        "endpoint_url": url,
        "assume_role_arn": role["Role"]["Arn"],
        "hostnames": ["instance-id"],
    }
    reference = run_list(tmp_path, "amazon.aws.aws_ec2", config)
    ours = run_list(tmp_path, "opsjob.cloud.aws_ec2", config)
    assert len(ours["_meta"]["hostvars"]) == 2
    assert sorted(ours["_meta"]["hostvars"]) == sorted(reference["_meta"]["hostvars"])
    import importlib.util

    spec = importlib.util.spec_from_file_location("compat_aws", PLUGIN_DIR / "aws_ec2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []
    original = module._assumed_role_session

    def recording(session, opts):
        calls.append(opts["assume_role_arn"])
        assumed = original(session, opts)
        assert assumed.get_credentials().access_key != "testing"
        assert assumed.get_credentials().token
        return assumed

    module._assumed_role_session = recording
    records = module.fetch_instances({**config, "access_key": "testing", "secret_key": "testing"})
    assert len(records) == 2 and calls == [role["Role"]["Arn"]]


def test_loose_plugin_never_takes_an_amazon_aws_config(ec2_url, tmp_path):
    """With ANSIBLE_INVENTORY_PLUGINS set and both plugins enabled, a config for amazon.aws is
    parsed by amazon.aws, and `plugin: aws_ec2` (the loose file's short name) by ours."""
    results = {}
    for plugin in ("amazon.aws.aws_ec2", "aws_ec2"):
        folder = tmp_path / plugin
        folder.mkdir()
        path = folder / "fleet.aws_ec2.yml"
        config = {"plugin": plugin, "regions": ["eu-west-1"], "endpoint_url": ec2_url}
        path.write_text(yaml.safe_dump({**config, "hostnames": ["instance-id"]}))
        env = _env(tmp_path)
        env.update(
            ANSIBLE_INVENTORY_PLUGINS=str(PLUGIN_DIR),
            ANSIBLE_INVENTORY_ENABLED="aws_ec2,amazon.aws.aws_ec2",
        )
        env.pop("ANSIBLE_COLLECTIONS_PATH")
        proc = subprocess.run(
            ["ansible-inventory", "-i", str(path), "--list"],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert proc.returncode == 0, proc.stderr
        results[plugin] = _unwrap(json.loads(proc.stdout))["_meta"]["hostvars"]
    assert len(results["aws_ec2"]) == len(results["amazon.aws.aws_ec2"]) == 5
    assert all("cloud_provider" in v for v in results["aws_ec2"].values())
    assert not any("cloud_provider" in v for v in results["amazon.aws.aws_ec2"].values())


def test_verify_file_names(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("verify_aws", PLUGIN_DIR / "aws_ec2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loose, collection = module.InventoryModule(), module.InventoryModule()
    collection._load_name = "opsjob.cloud.aws_ec2"
    for text, by_loose, by_collection in (
        ("plugin: opsjob.cloud.aws_ec2\n", True, True),
        ("plugin: aws_ec2\n", True, False),
        ("plugin: amazon.aws.aws_ec2\n", False, False),
        ("plugin: 'opsjob.cloud.aws_ec2'  # quoted\nregions: []\n", True, True),
    ):
        path = tmp_path / "x.aws_ec2.yml"
        path.write_text(text)
        assert loose.verify_file(str(path)) is by_loose, text
        assert collection.verify_file(str(path)) is by_collection, text


def test_strict_permissions_false_skips_an_unauthorized_region(ec2_url, monkeypatch):
    """moto answers a denied call with AccessDenied, EC2 with UnauthorizedOperation: the
    region's DescribeInstances is made to fail the EC2 way."""
    import importlib.util

    import botocore.exceptions

    spec = importlib.util.spec_from_file_location("perm_aws", PLUGIN_DIR / "aws_ec2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    original = module._describe

    def describe(client, opts, filters):
        if client.meta.region_name == "us-east-1":
            error = {"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}}
            raise botocore.exceptions.ClientError(error, "DescribeInstances")
        return original(client, opts, filters)

    monkeypatch.setattr(module, "_describe", describe)
    options = {"regions": REGIONS, "endpoint_url": ec2_url, "access_key": "testing"}
    options["secret_key"] = "testing"
    records = module.fetch_instances({**options, "strict_permissions": False})
    assert {r["cloud_region"] for r in records} == {"eu-west-1"} and len(records) == 5
    with pytest.raises(module.CloudInventoryError) as caught:
        module.fetch_instances(options)
    assert caught.value.code == "UnauthorizedOperation"

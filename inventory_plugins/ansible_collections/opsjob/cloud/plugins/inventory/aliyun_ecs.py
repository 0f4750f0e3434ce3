# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for Alibaba Cloud (Aliyun) ECS instances.

Besides the Ansible plugin this file exposes ``fetch_instances(options) -> list[dict]``, a plain
function the hub's cloud sync loads by file path and calls without Ansible's inventory machinery.
Only the SDKs and ansible are imported at module level so that loading it by path just works;
the code all opsjob.cloud plugins share is in plugins/module_utils/cloud_common.py.
"""

from __future__ import annotations

import json
import os

try:
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.auth.credentials import (
        AccessKeyCredential,
        EcsRamRoleCredential,
        StsTokenCredential,
    )
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest
    from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

    HAS_SDK = True
except ImportError:  # pragma: no cover - reported as a clear error at parse time
    HAS_SDK = False

try:
    from ansible_collections.opsjob.cloud.plugins.module_utils import cloud_common as _common
except ImportError:  # no collection loader: loaded by path (the hub, ANSIBLE_INVENTORY_PLUGINS)
    import importlib.util
    from os import path as _p

    _utils = _p.join(_p.dirname(_p.dirname(_p.realpath(__file__))), "module_utils")
    _spec = importlib.util.spec_from_file_location("_opsjob_boot", _utils + "/cloud_common.py")
    _spec.loader.exec_module(_boot := importlib.util.module_from_spec(_spec))
    _common = _boot.canonical(_boot)

DOCUMENTATION = r"""
name: aliyun_ecs
short_description: Alibaba Cloud (Aliyun) ECS inventory source
description:
  - Builds an inventory of Alibaba Cloud ECS instances with the official
    aliyun-python-sdk-ecs (C(DescribeInstances), every page read through PageNumber/PageSize;
    C(DescribeRegions) when O(regions) is V(all)).
  - The configuration file name must end with C(.aliyun_ecs.yml) or C(.aliyun_ecs.yaml).
  - Every host gets provider variables (instance_id, instance_name, host_name, region_id,
    zone_id, instance_type, os_name, os_type, status, instance_tags, private_ip_address,
    public_ip_address, vpc_id) and the normalised C(cloud_*) variables shared by all OPS Job
    cloud plugins (cloud_provider, cloud_instance_id, cloud_region, cloud_zone, cloud_state,
    cloud_os_type, cloud_tags, ...).
  - All hosts are put in the group C(aliyun_ecs).
author:
  - OPS Job contributors
requirements:
  - aliyun-python-sdk-core
  - aliyun-python-sdk-ecs
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - Token that ensures this is a source file for this plugin.
      - V(aliyun_ecs) is accepted only when the plugin is loaded from C(ANSIBLE_INVENTORY_PLUGINS)
        (the C(inventory_plugins/aliyun_ecs.py) link), not from the collection.
    required: true
    type: str
    choices: [opsjob.cloud.aliyun_ecs, aliyun_ecs]
  access_key:
    description: AccessKey ID.
    type: str
    env:
      - name: ALIBABA_CLOUD_ACCESS_KEY_ID
      - name: CLOUD_ALIYUN_ACCESS_KEY
  secret_key:
    description: AccessKey secret.
    type: str
    env:
      - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
      - name: CLOUD_ALIYUN_SECRET_KEY
  security_token:
    description:
      - STS security token that goes with a temporary AccessKey (C(STS.) key id), sent as the
        C(SecurityToken) parameter of every (signed) call.
    type: str
    env:
      - name: ALIBABA_CLOUD_SECURITY_TOKEN
      - name: CLOUD_ALIYUN_SECURITY_TOKEN
  profile:
    description:
      - Profile of the Alibaba Cloud CLI configuration file (O(config_file)) to take the
        credentials from when O(access_key) is not set; the file's C(current) profile when not
        given. Modes C(AK), C(StsToken), C(RamRoleArn) and C(EcsRamRole) are understood.
    type: str
    env:
      - name: ALIBABA_CLOUD_PROFILE
      - name: ALICLOUD_PROFILE
  config_file:
    description: The Alibaba Cloud CLI configuration file with the profiles.
    type: path
    default: ~/.aliyun/config.json
    env:
      - name: ALIBABA_CLOUD_CONFIG_FILE
  ram_role_arn:
    description:
      - ARN of a RAM role to assume (STS C(AssumeRole), API 2015-04-01) with the credentials
        above; the temporary AccessKey and security token are then used for every ECS call.
    type: str
    env:
      - name: ALIBABA_CLOUD_ROLE_ARN
  ram_role_session_name:
    description: C(RoleSessionName) of the STS C(AssumeRole) call.
    type: str
    default: opsjob-cloud-inventory
    env:
      - name: ALIBABA_CLOUD_ROLE_SESSION_NAME
  ram_role_duration:
    description: C(DurationSeconds) of the assumed role's credentials (900 to 43200).
    type: int
    default: 3600
  sts_endpoint:
    description: STS endpoint for O(ram_role_arn), a host (HTTPS) or a URL.
    type: str
    default: sts.aliyuncs.com
    env:
      - name: CLOUD_ALIYUN_STS_ENDPOINT
  ecs_ram_role:
    description:
      - Name of the RAM role attached to the ECS instance this runs on; its credentials come
        from the instance metadata service (C(100.100.100.200)). Used when no AccessKey is set.
    type: str
    env:
      - name: ALIBABA_CLOUD_ECS_METADATA
  regions:
    description:
      - Region IDs to query, for example V(cn-hangzhou).
      - V(all) (alone in the list) queries every region returned by C(DescribeRegions).
    type: list
    elements: str
    default: [all]
  filters:
    description:
      - Which instances to keep. Filters are sent to the API where it supports them and are
        always applied to the results as well.
      - "C(status): a status or a list of them, native (V(Running)) or normalised (V(running)),
        case-insensitive."
      - "C(tags): a dict of tag key to value, or a list of C(key=value) strings; a value is a
        glob, a key alone (or the value V(*)) only requires the tag to exist. All must match."
      - "C(vpc_id): a VPC id or a list of them."
      - "C(name): a glob or a list of globs matched against the instance name."
      - "Any other key is a C(DescribeInstances) request parameter passed to the API as it is,
        in the API's spelling or snake_case (C(ZoneId) or C(zone_id), C(InstanceType),
        C(InstanceIds) (a list), C(InstanceChargeType), C(ImageId), C(VSwitchId),
        C(SecurityGroupId), C(ResourceGroupId), C(KeyPairName), C(PrivateIpAddresses), ...);
        these are not re-checked on the results. See
        U(https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances)."
    type: dict
    default: {}
  hostnames:
    description:
      - Preference list for the inventory host name; the first one that has a value is used.
      - Falls back to the instance id.
    type: list
    elements: str
    choices: [instance_id, instance_name, hostname, private_ip, public_ip]
    default: [instance_id]
  address:
    description:
      - Which address becomes C(ansible_host). When the chosen one is empty the private IP, then
        the public IP is used.
    type: str
    choices: [private_ip, public_ip, hostname]
    default: private_ip
  endpoint:
    description:
      - Endpoint used for every region instead of the SDK's regional endpoint, for private clouds,
        proxies and tests. A host (C(ecs.aliyuncs.com), HTTPS is used) or a URL
        (C(http://127.0.0.1:8080)).
    type: str
    env:
      - name: CLOUD_ALIYUN_ENDPOINT
  page_size:
    description: Instances asked for per C(DescribeInstances) page (1 to 100).
    type: int
    default: 100
  timeout:
    description: Connect and read timeout in seconds for each API call.
    type: int
    default: 30
  max_retries:
    description: How many times the SDK retries a failed call (V(0) disables retries).
    type: int
    default: 3
"""

EXAMPLES = r"""
---
# prod.aliyun_ecs.yml - running instances of two regions, grouped by tag and zone
plugin: opsjob.cloud.aliyun_ecs
regions:
  - cn-hangzhou
  - cn-shanghai
filters:
  status: running
  tags:
    env: prod
  name: "web-*"
hostnames: [instance_name, private_ip]
address: private_ip
keyed_groups:
  - key: cloud_tags.role
    prefix: role
  - key: cloud_region
    prefix: region
groups:
  windows: cloud_os_type == 'windows'
compose:
  ansible_user: "'root'"

---
# role.aliyun_ecs.yml - a CLI profile's key assumes a RAM role; any DescribeInstances parameter
plugin: opsjob.cloud.aliyun_ecs
profile: ops
ram_role_arn: acs:ram::1234567890123456:role/inventory-reader
regions: [cn-hangzhou]
filters:
  zone_id: cn-hangzhou-h
  InstanceChargeType: PrePaid

---
# all.aliyun_ecs.yml - every region, credentials from CLOUD_ALIYUN_ACCESS_KEY/SECRET_KEY, cached
plugin: opsjob.cloud.aliyun_ecs
regions: [all]
cache: true
cache_plugin: jsonfile
cache_connection: /tmp/aliyun_ecs_cache
cache_timeout: 600
"""

PROVIDER = "aliyun"
SHORT_NAME = "aliyun_ecs"
PLUGIN_NAME = "opsjob.cloud.aliyun_ecs"
LABEL = "Aliyun ECS"
DEFAULT_REGION = "cn-hangzhou"
OPTION_DEFAULTS = {
    "access_key": None,
    "secret_key": None,
    "security_token": None,
    "profile": None,
    "config_file": "~/.aliyun/config.json",
    "ram_role_arn": None,
    "ram_role_session_name": "opsjob-cloud-inventory",
    "ram_role_duration": 3600,
    "sts_endpoint": "sts.aliyuncs.com",
    "ecs_ram_role": None,
    "regions": ["all"],
    "filters": {},
    "hostnames": ["instance_id"],
    "address": "private_ip",
    "endpoint": None,
    "page_size": 100,
    "timeout": 30,
    "max_retries": 3,
}
ENV_FALLBACKS = {
    "access_key": ("CLOUD_ALIYUN_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    "secret_key": ("CLOUD_ALIYUN_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    "endpoint": ("CLOUD_ALIYUN_ENDPOINT",),
    "security_token": ("ALIBABA_CLOUD_SECURITY_TOKEN", "CLOUD_ALIYUN_SECURITY_TOKEN"),
    "profile": ("ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"),
    "config_file": ("ALIBABA_CLOUD_CONFIG_FILE",),
    "ram_role_arn": ("ALIBABA_CLOUD_ROLE_ARN",),
    "ram_role_session_name": ("ALIBABA_CLOUD_ROLE_SESSION_NAME",),
    "sts_endpoint": ("CLOUD_ALIYUN_STS_ENDPOINT",),
    "ecs_ram_role": ("ALIBABA_CLOUD_ECS_METADATA",),
}
# DescribeInstances parameters the plugin sets itself (never a filter)
MANAGED_PARAMETERS = ("RegionId", "PageNumber", "PageSize", "NextToken", "MaxResults")
# provider-neutral names the hub may use -> this plugin's option names
OPTION_SYNONYMS = {
    "access_key_id": "access_key",
    "access_key_secret": "secret_key",
    "sts_token": "security_token",
    "session_token": "security_token",
}
AUTH_ERROR_PREFIXES = (
    "InvalidAccessKeyId",
    "InvalidAccessKeySecret",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSecurityToken",
    "Forbidden",
    "NoPermission",
)
# native status -> normalised cloud_state
STATES = {
    "pending": "pending",
    "starting": "starting",
    "running": "running",
    "stopping": "stopping",
    "stopped": "stopped",
}


CloudInventoryError = _common.CloudInventoryError
short_network_error = _common.short_network_error
record_matches = _common.record_matches
pick_address = _common.pick_address


def resolve_options(options: dict | None) -> dict:
    """Defaults + environment fallbacks for options not given (or given as None)."""
    return _common.resolve_options(options, OPTION_DEFAULTS, ENV_FALLBACKS, OPTION_SYNONYMS)


def _native_filter(key, value) -> str:
    """A DescribeInstances parameter name (``zone_id`` -> ``ZoneId``) the SDK request knows."""
    name = str(key)
    if "_" in name or name.islower():
        name = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    known = not HAS_SDK or hasattr(DescribeInstancesRequest, f"set_{name}")
    if not known or name in MANAGED_PARAMETERS:
        raise CloudInventoryError(
            f"{LABEL}: unknown filter {key!r}: use status, tags, vpc_id, name or a "
            "DescribeInstances parameter (ZoneId / zone_id, InstanceType, InstanceIds, ...)",
            kind="config",
        )
    return name


def normalise_filters(filters) -> dict:
    """Turn the user's ``filters`` mapping into sets/dicts the matcher and the API calls use;
    keys other than the provider-neutral ones are DescribeInstances parameters (``native``)."""
    return _common.normalise_filters(filters, LABEL, native=_native_filter)


# ---------------------------------------------------------------------------------------------
# credentials: options, environment, CLI profile, RAM role
# ---------------------------------------------------------------------------------------------
def _profile(opts: dict) -> dict:
    """The CLI profile named by ``profile`` (or the file's current one); {} without a file."""
    path = os.path.expanduser(opts.get("config_file") or "~/.aliyun/config.json")
    if not os.path.exists(path):
        if opts.get("profile"):
            raise CloudInventoryError(
                f"{LABEL}: profile {opts['profile']!r} asked for but {path} does not exist",
                kind="auth",
                code="ProfileNotFound",
            )
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CloudInventoryError(f"{LABEL}: cannot read {path}: {exc}", kind="config") from None
    wanted = opts.get("profile") or data.get("current") or "default"
    for profile in data.get("profiles") or []:
        if profile.get("name") == wanted:
            return profile
    if opts.get("profile"):
        raise CloudInventoryError(
            f"{LABEL}: no profile {wanted!r} in {path}", kind="auth", code="ProfileNotFound"
        )
    return {}


def resolve_credentials(opts: dict) -> dict:
    """access_key, secret_key, security_token (and ecs_ram_role) from the options, else from
    the CLI profile; with ``ram_role_arn``, the assumed role's temporary ones."""
    creds = {k: opts.get(k) for k in ("access_key", "secret_key", "security_token")}
    role = {k: opts.get(k) for k in ("ram_role_arn", "ram_role_session_name", "ecs_ram_role")}
    if not (creds["access_key"] and creds["secret_key"]) and not role["ecs_ram_role"]:
        profile = _profile(opts)
        creds = {
            "access_key": profile.get("access_key_id"),
            "secret_key": profile.get("access_key_secret"),
            "security_token": profile.get("sts_token") or None,
        }
        role["ram_role_arn"] = role["ram_role_arn"] or profile.get("ram_role_arn") or None
        if profile.get("ram_session_name") and role["ram_role_arn"] == profile.get("ram_role_arn"):
            role["ram_role_session_name"] = profile["ram_session_name"]
        if profile.get("mode") == "EcsRamRole":
            role["ecs_ram_role"] = profile.get("ram_role_name")
    if role["ecs_ram_role"] and not creds["access_key"]:
        return {"ecs_ram_role": role["ecs_ram_role"]}
    if not creds["access_key"] or not creds["secret_key"]:
        raise CloudInventoryError(
            f"{LABEL}: no credentials; set access_key/secret_key (CLOUD_ALIYUN_ACCESS_KEY / "
            "CLOUD_ALIYUN_SECRET_KEY, ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET), a profile of "
            "~/.aliyun/config.json or ecs_ram_role",
            kind="auth",
        )
    if role["ram_role_arn"]:
        return _assume_role({**opts, **creds, **role})
    return creds


def _assume_role(opts: dict) -> dict:
    request = CommonRequest(version="2015-04-01", action_name="AssumeRole")
    request.set_method("POST")
    request.add_query_param("RoleArn", opts["ram_role_arn"])
    request.add_query_param("RoleSessionName", opts["ram_role_session_name"])
    request.add_query_param("DurationSeconds", str(int(opts["ram_role_duration"])))
    sts_opts = {**opts, "endpoint": opts.get("sts_endpoint") or "sts.aliyuncs.com"}
    client = _client(opts, DEFAULT_REGION)
    answer = _call(client, _prepare(request, sts_opts), sts_opts, DEFAULT_REGION)
    creds = answer.get("Credentials") or {}
    return {
        "access_key": creds.get("AccessKeyId"),
        "secret_key": creds.get("AccessKeySecret"),
        "security_token": creds.get("SecurityToken"),
    }


def pick_hostname(record: dict, preferences) -> str:
    return _common.pick_hostname(record, preferences, LABEL)


# ---------------------------------------------------------------------------------------------
# Aliyun API
# ---------------------------------------------------------------------------------------------
def _endpoint_label(endpoint: str | None, region: str) -> str:
    return endpoint or f"the ECS endpoint of region {region}"


def _credential(opts: dict):
    if opts.get("ecs_ram_role") and not opts.get("access_key"):
        return EcsRamRoleCredential(opts["ecs_ram_role"])
    if opts.get("security_token"):
        return StsTokenCredential(opts["access_key"], opts["secret_key"], opts["security_token"])
    return AccessKeyCredential(opts["access_key"], opts["secret_key"])


def _client(opts: dict, region: str):
    retries = int(opts["max_retries"])
    timeout = int(opts["timeout"])
    return AcsClient(
        region_id=region,
        credential=_credential(opts),
        auto_retry=retries > 0,
        max_retry_time=retries,
        connect_timeout=timeout,
        timeout=timeout,
    )


def _prepare(request, opts: dict):
    request.set_accept_format("json")
    endpoint = opts.get("endpoint")
    if endpoint:
        request.set_endpoint(endpoint.rstrip("/"))
    if not endpoint or not endpoint.startswith(("http://", "https://")):
        request.set_protocol_type("https")
    return request


def _call(client, request, opts: dict, region: str) -> dict:
    endpoint = _endpoint_label(opts.get("endpoint"), region)
    try:
        body = client.do_action_with_exception(request)
    except ServerException as exc:
        code = exc.get_error_code() or ""
        message = exc.get_error_msg()
        if code.startswith(AUTH_ERROR_PREFIXES) or exc.get_http_status() in (401, 403):
            raise CloudInventoryError(
                f"{LABEL} authentication failed at {endpoint} ({code}): {message} "
                "Check access_key/secret_key (CLOUD_ALIYUN_ACCESS_KEY / CLOUD_ALIYUN_SECRET_KEY).",
                kind="auth",
                code=code,
            ) from None
        raise CloudInventoryError(
            f"{LABEL} {request.get_action_name()} failed at {endpoint} ({code}): {message}",
            code=code,
        ) from None
    except ClientException as exc:
        code = exc.get_error_code() or ""
        detail = exc.get_error_msg()
        if code == "SDK.HttpError" or "connect" in str(detail).lower():
            raise CloudInventoryError(
                f"{LABEL} endpoint {endpoint} is unreachable: {short_network_error(detail)}",
                kind="endpoint",
                code=code,
            ) from None
        raise CloudInventoryError(
            f"{LABEL} {request.get_action_name()} failed at {endpoint} ({code}): {detail}",
            code=code,
        ) from None
    try:
        return json.loads(body)
    except ValueError:
        raise CloudInventoryError(
            f"{LABEL} endpoint {endpoint} returned a non-JSON answer: {body[:200]!r}",
            kind="endpoint",
        ) from None


def list_regions(opts: dict) -> list[str]:
    explicit = [str(r) for r in _common.as_list(opts.get("regions"))]
    if explicit and "all" not in explicit:
        return explicit
    if not opts.get("credentials_resolved"):
        opts = {**opts, **resolve_credentials(opts)}
    client = _client(opts, DEFAULT_REGION)
    data = _call(client, _prepare(DescribeRegionsRequest(), opts), opts, DEFAULT_REGION)
    return [r["RegionId"] for r in (data.get("Regions") or {}).get("Region") or []]


def _ips(block) -> list[str]:
    return [ip for ip in ((block or {}).get("IpAddress") or []) if ip]


def normalise_instance(item: dict, region: str, address: str = "private_ip") -> dict:
    """One DescribeInstances ``Instance`` -> host variables (provider + normalised cloud_*)."""
    vpc = item.get("VpcAttributes") or {}
    private_ips = _ips(vpc.get("PrivateIpAddress")) or _ips(item.get("InnerIpAddress"))
    public_ips = _ips(item.get("PublicIpAddress"))
    eip = (item.get("EipAddress") or {}).get("IpAddress")
    if eip and eip not in public_ips:
        public_ips.append(eip)
    tags = {
        t.get("TagKey"): t.get("TagValue")
        for t in ((item.get("Tags") or {}).get("Tag") or [])
        if t.get("TagKey") is not None
    }
    status = item.get("Status") or ""
    os_type = (item.get("OSType") or "").lower()
    if os_type not in ("linux", "windows"):
        os_type = "windows" if "windows" in (item.get("OSName") or "").lower() else "linux"
    region_id = item.get("RegionId") or region
    vpc_id = vpc.get("VpcId") or None
    record = {
        "instance_id": item.get("InstanceId"),
        "instance_name": item.get("InstanceName"),
        "host_name": item.get("HostName"),
        "region_id": region_id,
        "zone_id": item.get("ZoneId"),
        "instance_type": item.get("InstanceType"),
        "os_name": item.get("OSName"),
        "os_type": item.get("OSType"),
        "status": status,
        "instance_tags": tags,
        "private_ip_address": private_ips[0] if private_ips else None,
        "public_ip_address": public_ips[0] if public_ips else None,
        "vpc_id": vpc_id,
        "cloud_provider": PROVIDER,
        "cloud_instance_id": item.get("InstanceId"),
        "cloud_instance_name": item.get("InstanceName"),
        "cloud_hostname": item.get("HostName"),
        "cloud_region": region_id,
        "cloud_zone": item.get("ZoneId"),
        "cloud_instance_type": item.get("InstanceType"),
        "cloud_status": status,
        "cloud_state": STATES.get(status.lower(), status.lower()),
        "cloud_os_name": item.get("OSName"),
        "cloud_os_type": os_type,
        "cloud_private_ip": private_ips[0] if private_ips else None,
        "cloud_public_ip": public_ips[0] if public_ips else None,
        "cloud_private_ips": private_ips,
        "cloud_public_ips": public_ips,
        "cloud_vpc_id": vpc_id,
        "cloud_tags": tags,
    }
    record["ansible_host"] = pick_address(record, address)
    return record


def _describe_region(opts: dict, flt: dict, region: str) -> list[dict]:
    client = _client(opts, region)
    page_size = max(1, min(100, int(opts["page_size"])))
    records: list[dict] = []
    page = 1
    while True:
        request = _prepare(DescribeInstancesRequest(), opts)
        request.set_PageNumber(page)
        request.set_PageSize(page_size)
        if len(flt["status"]) == 1 and next(iter(flt["status"])) in STATES:
            request.set_Status(next(iter(flt["status"])).capitalize())
        if len(flt["vpc_id"]) == 1:
            request.set_VpcId(next(iter(flt["vpc_id"])))
        exact_tags = [
            {"Key": k, "Value": v}
            for k, v in flt["tags"].items()
            if v is None or not _common.is_glob(v)
        ]
        if exact_tags:
            request.set_Tags([{k: v for k, v in t.items() if v is not None} for t in exact_tags])
        for name, value in flt["native"].items():
            getattr(request, f"set_{name}")(_parameter(value))
        data = _call(client, request, opts, region)
        items = (data.get("Instances") or {}).get("Instance") or []
        for item in items:
            records.append(normalise_instance(item, region, opts["address"]))
        total = int(data.get("TotalCount") or 0)
        if not items or page * page_size >= total:
            return records
        page += 1


def _parameter(value):
    """A filter value as the RPC API wants it: lists of strings as a JSON array."""
    if isinstance(value, (list, tuple)):
        return json.dumps([str(v) for v in value])
    return str(value).lower() if isinstance(value, bool) else value


def fetch_instances(options: dict | None = None) -> list[dict]:
    """Every instance matching ``options`` (plugin option names) as a list of host-var dicts."""
    if not HAS_SDK:
        raise CloudInventoryError(
            f"{LABEL} needs aliyun-python-sdk-core and aliyun-python-sdk-ecs", kind="config"
        )
    opts = resolve_options(options)
    flt = normalise_filters(opts["filters"])
    opts.update(resolve_credentials(opts), credentials_resolved=True)
    return _common.matching_records(
        (_describe_region(opts, flt, region) for region in list_regions(opts)), flt
    )


# ---------------------------------------------------------------------------------------------
# Ansible plugin
# ---------------------------------------------------------------------------------------------
class InventoryModule(_common.CloudInventoryPlugin):
    NAME = PLUGIN_NAME
    GROUP = SHORT_NAME
    LABEL = LABEL
    OPTION_NAMES = tuple(OPTION_DEFAULTS)
    fetch_instances = staticmethod(fetch_instances)

# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for Tencent Cloud CVM instances.

Besides the Ansible plugin this file exposes ``fetch_instances(options) -> list[dict]``, a plain
function the hub's cloud sync loads by file path and calls without Ansible's inventory machinery.
Only the SDKs and ansible are imported at module level so that loading it by path just works;
the code all opsjob.cloud plugins share is in plugins/module_utils/cloud_common.py.
"""

from __future__ import annotations

import configparser
import json
import os

try:
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.common.retry import StandardRetryer
    from tencentcloud.cvm.v20170312 import cvm_client, models

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
name: tencent_cvm
short_description: Tencent Cloud CVM inventory source
description:
  - Builds an inventory of Tencent Cloud CVM instances with the official tencentcloud-sdk-python
    (cvm 2017-03-12 C(DescribeInstances), every page read through Offset/Limit;
    C(DescribeRegions) when O(regions) is V(all)).
  - The configuration file name must end with C(.tencent_cvm.yml) or C(.tencent_cvm.yaml).
  - Every host gets provider variables (instance_id, instance_name, host_name, region, zone,
    instance_type, os_name, instance_state, instance_tags, private_ip_addresses,
    public_ip_addresses, vpc_id) and the normalised C(cloud_*) variables shared by all OPS Job
    cloud plugins (cloud_provider, cloud_instance_id, cloud_region, cloud_zone, cloud_state,
    cloud_os_type, cloud_tags, ...).
  - All hosts are put in the group C(tencent_cvm).
author:
  - OPS Job contributors
requirements:
  - tencentcloud-sdk-python-common
  - tencentcloud-sdk-python-cvm
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - Token that ensures this is a source file for this plugin.
      - V(tencent_cvm) is accepted only when the plugin is loaded from C(ANSIBLE_INVENTORY_PLUGINS)
        (the C(inventory_plugins/tencent_cvm.py) link), not from the collection.
    required: true
    type: str
    choices: [opsjob.cloud.tencent_cvm, tencent_cvm]
  secret_id:
    description: API SecretId.
    type: str
    env:
      - name: TENCENTCLOUD_SECRET_ID
      - name: CLOUD_TENCENT_SECRET_ID
  secret_key:
    description: API SecretKey.
    type: str
    env:
      - name: TENCENTCLOUD_SECRET_KEY
      - name: CLOUD_TENCENT_SECRET_KEY
  session_token:
    description:
      - Session token of temporary credentials (STS / CAM role), sent as the C(X-TC-Token)
        header of every TC3-HMAC-SHA256 signed call.
    type: str
    aliases: [token]
    env:
      - name: TENCENTCLOUD_SESSION_TOKEN
      - name: CLOUD_TENCENT_SESSION_TOKEN
  profile:
    description:
      - Section of the credentials file (O(credentials_file)) to read C(secret_id),
        C(secret_key) and an optional C(token) from when O(secret_id) is not set.
    type: str
    default: default
    env:
      - name: TENCENTCLOUD_PROFILE
  credentials_file:
    description: The Tencent Cloud credentials file (INI), as the SDK's profile provider reads it.
    type: path
    default: ~/.tencentcloud/credentials
    env:
      - name: TENCENTCLOUD_CREDENTIALS_FILE
  role_arn:
    description:
      - ARN of a CAM role to assume (STS C(AssumeRole), API 2018-08-13) with the credentials
        above; its temporary SecretId/SecretKey and token are then used for every CVM call.
    type: str
    env:
      - name: TENCENTCLOUD_ROLE_ARN
  role_session_name:
    description: C(RoleSessionName) of the STS C(AssumeRole) call.
    type: str
    default: opsjob-cloud-inventory
    env:
      - name: TENCENTCLOUD_ROLE_SESSION_NAME
  role_duration:
    description: C(DurationSeconds) of the assumed role's credentials (up to 43200).
    type: int
    default: 7200
  sts_endpoint:
    description: STS endpoint for O(role_arn), a domain (HTTPS) or a URL.
    type: str
    default: sts.tencentcloudapi.com
    env:
      - name: CLOUD_TENCENT_STS_ENDPOINT
  regions:
    description:
      - Regions to query, for example V(ap-guangzhou).
      - V(all) (alone in the list) queries every region returned by C(DescribeRegions).
    type: list
    elements: str
    default: [all]
  filters:
    description:
      - Which instances to keep. Filters are sent to the API where it supports them and are
        always applied to the results as well.
      - "C(status): a state or a list of them, native (V(RUNNING)) or normalised (V(running)),
        case-insensitive."
      - "C(tags): a dict of tag key to value, or a list of C(key=value) strings; a value is a
        glob, a key alone (or the value V(*)) only requires the tag to exist. All must match."
      - "C(vpc_id): a VPC id or a list of them."
      - "C(name): a glob or a list of globs matched against the instance name."
      - "Any other key is a C(DescribeInstances) filter name passed to the API as it is, with
        one value or a list (C(zone), C(instance-id), C(instance-name), C(instance-charge-type),
        C(private-ip-address), C(public-ip-address), C(subnet-id), C(security-group-id),
        C(project-id), C(tag-value), C(tag:KEY), ...); these are not re-checked on the results.
        See U(https://www.tencentcloud.com/document/api/213/33258)."
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
      - API endpoint domain used for every region instead of C(cvm.tencentcloudapi.com), for
        private clouds, proxies and tests, passed to the SDK's C(HttpProfile).
      - A domain (C(cvm.ap-guangzhou.tencentcloudapi.com), HTTPS is used) or a URL whose scheme
        chooses the protocol (C(http://127.0.0.1:8080)).
    type: str
    env:
      - name: CLOUD_TENCENT_ENDPOINT
  page_size:
    description: Instances asked for per C(DescribeInstances) page (Limit, 1 to 100).
    type: int
    default: 100
  timeout:
    description: Timeout in seconds for each API call.
    type: int
    default: 30
  max_retries:
    description: How many times a call failing on the network or rate limits is retried.
    type: int
    default: 3
"""

EXAMPLES = r"""
---
# prod.tencent_cvm.yml - running instances of two regions, grouped by tag and zone
plugin: opsjob.cloud.tencent_cvm
regions:
  - ap-guangzhou
  - ap-shanghai
filters:
  status: running
  tags:
    env: prod
  name: "app-*"
hostnames: [instance_name, private_ip]
address: private_ip
keyed_groups:
  - key: cloud_tags.role
    prefix: role
  - key: cloud_zone
    prefix: zone
groups:
  windows: cloud_os_type == 'windows'

---
# temp.tencent_cvm.yml - temporary credentials of the [ops] profile, native filters
plugin: opsjob.cloud.tencent_cvm
profile: ops
regions: [ap-guangzhou]
filters:
  zone: ap-guangzhou-3
  instance-charge-type: PREPAID

---
# all.tencent_cvm.yml - every region, credentials from CLOUD_TENCENT_SECRET_ID/SECRET_KEY
plugin: opsjob.cloud.tencent_cvm
regions: [all]
cache: true
cache_plugin: jsonfile
cache_connection: /tmp/tencent_cvm_cache
"""

PROVIDER = "tencent"
SHORT_NAME = "tencent_cvm"
PLUGIN_NAME = "opsjob.cloud.tencent_cvm"
LABEL = "Tencent Cloud CVM"
DEFAULT_REGION = "ap-guangzhou"
OPTION_DEFAULTS = {
    "secret_id": None,
    "secret_key": None,
    "session_token": None,
    "profile": "default",
    "credentials_file": "~/.tencentcloud/credentials",
    "role_arn": None,
    "role_session_name": "opsjob-cloud-inventory",
    "role_duration": 7200,
    "sts_endpoint": "sts.tencentcloudapi.com",
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
    "secret_id": ("CLOUD_TENCENT_SECRET_ID", "TENCENTCLOUD_SECRET_ID"),
    "secret_key": ("CLOUD_TENCENT_SECRET_KEY", "TENCENTCLOUD_SECRET_KEY"),
    "endpoint": ("CLOUD_TENCENT_ENDPOINT",),
    "session_token": ("TENCENTCLOUD_SESSION_TOKEN", "CLOUD_TENCENT_SESSION_TOKEN"),
    "profile": ("TENCENTCLOUD_PROFILE",),
    "credentials_file": ("TENCENTCLOUD_CREDENTIALS_FILE",),
    "role_arn": ("TENCENTCLOUD_ROLE_ARN",),
    "role_session_name": ("TENCENTCLOUD_ROLE_SESSION_NAME",),
    "sts_endpoint": ("CLOUD_TENCENT_STS_ENDPOINT",),
}
# the DescribeInstances (2017-03-12) Filters names; tag:KEY is open-ended
FILTER_NAMES = (
    "zone",
    "project-id",
    "host-id",
    "dedicated-cluster-id",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "uuid",
    "security-group-id",
    "instance-name",
    "instance-charge-type",
    "instance-state",
    "private-ip-address",
    "public-ip-address",
    "ipv6-address",
    "tag-key",
    "tag-value",
    "creation-start-time",
    "creation-end-time",
)
# provider-neutral names the hub may use -> this plugin's option names
OPTION_SYNONYMS = {"access_key": "secret_id", "token": "session_token"}
AUTH_ERROR_PREFIXES = ("AuthFailure", "UnauthorizedOperation", "InvalidCredential")
NETWORK_ERRORS = ("ClientNetworkError", "ServerNetworkError")
# native InstanceState (lower-cased) -> normalised cloud_state
STATES = {
    "pending": "pending",
    "launch_failed": "failed",
    "running": "running",
    "stopped": "stopped",
    "starting": "starting",
    "stopping": "stopping",
    "rebooting": "rebooting",
    "shutdown": "stopped",
    "terminating": "terminating",
}


CloudInventoryError = _common.CloudInventoryError
short_network_error = _common.short_network_error
record_matches = _common.record_matches
pick_address = _common.pick_address


def resolve_options(options: dict | None) -> dict:
    """Defaults + environment fallbacks for options not given (or given as None)."""
    return _common.resolve_options(options, OPTION_DEFAULTS, ENV_FALLBACKS, OPTION_SYNONYMS)


def _native_filter(key, value) -> str:
    name = str(key)
    if name not in FILTER_NAMES and not (name.startswith("tag:") and len(name) > 4):
        raise CloudInventoryError(
            f"{LABEL}: unknown filter {key!r}: use status, tags, vpc_id, name, tag:KEY or a "
            f"DescribeInstances filter ({', '.join(FILTER_NAMES)})",
            kind="config",
        )
    return name


def normalise_filters(filters) -> dict:
    """Turn the user's ``filters`` mapping into sets/dicts the matcher and the API calls use;
    keys other than the provider-neutral ones are DescribeInstances filters (``native``)."""
    return _common.normalise_filters(filters, LABEL, native=_native_filter)


def resolve_credentials(opts: dict) -> dict:
    """secret_id, secret_key, session_token from the options, else the credentials file; with
    ``role_arn``, the assumed role's temporary ones."""
    creds = _key_credentials(opts)
    if opts.get("role_arn"):
        return _assume_role({**opts, **creds})
    return creds


def _key_credentials(opts: dict) -> dict:
    if opts.get("secret_id") and opts.get("secret_key"):
        return {k: opts.get(k) for k in ("secret_id", "secret_key", "session_token")}
    path = os.path.expanduser(opts.get("credentials_file") or "~/.tencentcloud/credentials")
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise CloudInventoryError(f"{LABEL}: cannot read {path}: {exc}", kind="config") from None
    section = opts.get("profile") or "default"
    found = dict(parser[section]) if parser.has_section(section) else {}
    if not found.get("secret_id") or not found.get("secret_key"):
        raise CloudInventoryError(
            f"{LABEL}: no credentials; set secret_id/secret_key (CLOUD_TENCENT_SECRET_ID / "
            "CLOUD_TENCENT_SECRET_KEY, TENCENTCLOUD_SECRET_ID / _KEY) or a profile "
            f"[{section}] in {path}",
            kind="auth",
        )
    return {
        "secret_id": found["secret_id"],
        "secret_key": found["secret_key"],
        "session_token": found.get("token") or opts.get("session_token") or None,
    }


def pick_hostname(record: dict, preferences) -> str:
    return _common.pick_hostname(record, preferences, LABEL)


# ---------------------------------------------------------------------------------------------
# Tencent Cloud API
# ---------------------------------------------------------------------------------------------
def _endpoint_parts(endpoint: str | None) -> tuple[str | None, str]:
    """(domain, protocol) for the HttpProfile; a URL's scheme picks the protocol."""
    if not endpoint:
        return None, "https"
    endpoint = endpoint.strip().rstrip("/")
    for scheme in ("http", "https"):
        if endpoint.startswith(scheme + "://"):
            return endpoint[len(scheme) + 3 :], scheme
    return endpoint, "https"


def _endpoint_label(endpoint: str | None, region: str) -> str:
    return endpoint or f"cvm.tencentcloudapi.com (region {region})"


def _client(opts: dict, region: str):
    domain, protocol = _endpoint_parts(opts.get("endpoint"))
    http_profile = HttpProfile(
        protocol=protocol, endpoint=domain, reqTimeout=int(opts["timeout"]), reqMethod="POST"
    )
    retries = int(opts["max_retries"])
    retryer = (
        StandardRetryer(max_attempts=retries + 1, backoff_fn=lambda n: min(0.5 * 2**n, 5))
        if retries > 0
        else None
    )
    profile = ClientProfile(httpProfile=http_profile, retryer=retryer)
    cred = credential.Credential(
        opts["secret_id"], opts["secret_key"], opts.get("session_token") or None
    )
    return cvm_client.CvmClient(cred, region, profile)


def _translate(exc, action: str, endpoint: str) -> CloudInventoryError:
    code = exc.get_code() or ""
    message = exc.get_message()
    if code.startswith(AUTH_ERROR_PREFIXES):
        return CloudInventoryError(
            f"{LABEL} authentication failed at {endpoint} ({code}): {message} "
            "Check secret_id/secret_key (CLOUD_TENCENT_SECRET_ID / CLOUD_TENCENT_SECRET_KEY).",
            kind="auth",
            code=code,
        )
    if code in NETWORK_ERRORS:
        return CloudInventoryError(
            f"{LABEL} endpoint {endpoint} is unreachable: {short_network_error(message)}",
            kind="endpoint",
            code=code,
        )
    return CloudInventoryError(
        f"{LABEL} {action} failed at {endpoint} ({code}): {message}", code=code
    )


def _call(client, action: str, params: dict, opts: dict, region: str) -> dict:
    endpoint = _endpoint_label(opts.get("endpoint"), region)
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    try:
        response = getattr(client, action)(request)
    except TencentCloudSDKException as exc:
        raise _translate(exc, action, endpoint) from None
    return json.loads(response.to_json_string())


def _assume_role(opts: dict) -> dict:
    """STS AssumeRole (2018-08-13) with the key credentials: the role's temporary ones."""
    domain, protocol = _endpoint_parts(opts.get("sts_endpoint"))
    http_profile = HttpProfile(
        protocol=protocol, endpoint=domain, reqTimeout=int(opts["timeout"]), reqMethod="POST"
    )
    cred = credential.Credential(opts["secret_id"], opts["secret_key"], opts.get("session_token"))
    client = CommonClient(
        "sts", "2018-08-13", cred, DEFAULT_REGION, ClientProfile(httpProfile=http_profile)
    )
    params = {
        "RoleArn": opts["role_arn"],
        "RoleSessionName": opts["role_session_name"],
        "DurationSeconds": int(opts["role_duration"]),
    }
    try:
        answer = client.call_json("AssumeRole", params)
    except TencentCloudSDKException as exc:
        raise _translate(exc, "AssumeRole", opts.get("sts_endpoint") or "STS") from None
    creds = (answer.get("Response") or {}).get("Credentials") or {}
    return {
        "secret_id": creds.get("TmpSecretId"),
        "secret_key": creds.get("TmpSecretKey"),
        "session_token": creds.get("Token"),
    }


def list_regions(opts: dict) -> list[str]:
    explicit = [str(r) for r in _common.as_list(opts.get("regions"))]
    if explicit and "all" not in explicit:
        return explicit
    if not opts.get("credentials_resolved"):
        opts = {**opts, **resolve_credentials(opts)}
    client = _client(opts, DEFAULT_REGION)
    data = _call(client, "DescribeRegions", {}, opts, DEFAULT_REGION)
    return [
        r["Region"]
        for r in data.get("RegionSet") or []
        if (r.get("RegionState") or "AVAILABLE") == "AVAILABLE"
    ]


def normalise_instance(item: dict, region: str, address: str = "private_ip") -> dict:
    """One DescribeInstances ``InstanceSet`` element -> host variables (provider + cloud_*)."""
    private_ips = [ip for ip in item.get("PrivateIpAddresses") or [] if ip]
    public_ips = [ip for ip in item.get("PublicIpAddresses") or [] if ip]
    tags = {t.get("Key"): t.get("Value") for t in item.get("Tags") or [] if t.get("Key")}
    state = item.get("InstanceState") or ""
    os_name = item.get("OsName") or ""
    os_type = "windows" if "windows" in os_name.lower() else "linux"
    zone = (item.get("Placement") or {}).get("Zone")
    vpc_id = (item.get("VirtualPrivateCloud") or {}).get("VpcId") or None
    record = {
        "instance_id": item.get("InstanceId"),
        "instance_name": item.get("InstanceName"),
        "host_name": item.get("HostName"),
        "region": region,
        "zone": zone,
        "instance_type": item.get("InstanceType"),
        "os_name": os_name,
        "instance_state": state,
        "instance_tags": tags,
        "private_ip_addresses": private_ips,
        "public_ip_addresses": public_ips,
        "vpc_id": vpc_id,
        "cloud_provider": PROVIDER,
        "cloud_instance_id": item.get("InstanceId"),
        "cloud_instance_name": item.get("InstanceName"),
        "cloud_hostname": item.get("HostName"),
        "cloud_region": region,
        "cloud_zone": zone,
        "cloud_instance_type": item.get("InstanceType"),
        "cloud_status": state,
        "cloud_state": STATES.get(state.lower(), state.lower()),
        "cloud_os_name": os_name,
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


def api_filters(flt: dict) -> list[dict]:
    """The part of the user's filters CVM can apply itself (Filters, at most 5 values each)."""
    result = []
    natives = []
    for wanted in flt["status"]:
        natives += [k.upper() for k, v in STATES.items() if wanted in (k, v)]
    if flt["status"] and natives and len(natives) <= 5:
        result.append({"Name": "instance-state", "Values": sorted(set(natives))})
    if flt["vpc_id"] and len(flt["vpc_id"]) <= 5:
        result.append({"Name": "vpc-id", "Values": sorted(flt["vpc_id"])})
    for key, value in flt["tags"].items():
        if value is None:
            result.append({"Name": "tag-key", "Values": [key]})
        elif not _common.is_glob(value):
            result.append({"Name": f"tag:{key}", "Values": [value]})
    natives = [
        {"Name": name, "Values": [str(v) for v in _common.as_list(value)]}
        for name, value in flt["native"].items()
    ]
    if len(natives) > 10:
        raise CloudInventoryError(f"{LABEL}: at most 10 DescribeInstances filters", kind="config")
    # the API takes 10 filters: the native ones (not re-checked here) are never dropped
    return natives + result[: 10 - len(natives)]


def _describe_region(opts: dict, flt: dict, region: str) -> list[dict]:
    client = _client(opts, region)
    limit = max(1, min(100, int(opts["page_size"])))
    filters = api_filters(flt)
    records: list[dict] = []
    offset = 0
    while True:
        params: dict = {"Offset": offset, "Limit": limit}
        if filters:
            params["Filters"] = filters
        data = _call(client, "DescribeInstances", params, opts, region)
        items = data.get("InstanceSet") or []
        for item in items:
            records.append(normalise_instance(item, region, opts["address"]))
        offset += len(items)
        if not items or offset >= int(data.get("TotalCount") or 0):
            return records


def fetch_instances(options: dict | None = None) -> list[dict]:
    """Every instance matching ``options`` (plugin option names) as a list of host-var dicts."""
    if not HAS_SDK:
        raise CloudInventoryError(
            f"{LABEL} needs tencentcloud-sdk-python-common and tencentcloud-sdk-python-cvm",
            kind="config",
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

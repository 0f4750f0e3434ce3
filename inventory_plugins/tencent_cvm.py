# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for Tencent Cloud CVM instances.

Besides the Ansible plugin this file exposes ``fetch_instances(options) -> list[dict]``, a plain
function the hub's cloud sync loads by file path and calls without Ansible's inventory machinery.
Only the SDKs and ansible are imported at module level so that loading it by path just works;
the code all OPS Job cloud plugins share is in __cloud_common.py, which must sit beside this file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

try:
    from tencentcloud.common import credential
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
    description: Token that ensures this is a source file for this plugin.
    required: true
    type: str
    choices: [tencent_cvm]
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
plugin: tencent_cvm
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
# all.tencent_cvm.yml - every region, credentials from CLOUD_TENCENT_SECRET_ID/SECRET_KEY
plugin: tencent_cvm
regions: [all]
cache: true
cache_plugin: jsonfile
cache_connection: /tmp/tencent_cvm_cache
"""

PROVIDER = "tencent"
PLUGIN_NAME = "tencent_cvm"
LABEL = "Tencent Cloud CVM"
DEFAULT_REGION = "ap-guangzhou"
OPTION_DEFAULTS = {
    "secret_id": None,
    "secret_key": None,
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
}
# provider-neutral names the hub may use -> this plugin's option names
OPTION_SYNONYMS = {"access_key": "secret_id"}
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


_COMMON_MODULE = "_opsjob_cloud_inventory_common"


def _load_common():
    """__cloud_common.py beside this file, loaded by path (the plugins are not a package) and
    kept in sys.modules: every plugin and the hub share it, and so one CloudInventoryError."""
    path = os.path.join(os.path.dirname(os.path.realpath(__file__)), "__cloud_common.py")
    module = sys.modules.get(_COMMON_MODULE)
    if getattr(module, "__file__", None) != path:
        spec = importlib.util.spec_from_file_location(_COMMON_MODULE, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[_COMMON_MODULE] = module
    return module


# ---------------------------------------------------------------------------------------------
# errors, options and filters: __cloud_common.py, with this plugin's settings
# ---------------------------------------------------------------------------------------------
_common = _load_common()
CloudInventoryError = _common.CloudInventoryError
short_network_error = _common.short_network_error
record_matches = _common.record_matches
pick_address = _common.pick_address


def resolve_options(options: dict | None) -> dict:
    """Defaults + environment fallbacks for options not given (or given as None)."""
    return _common.resolve_options(options, OPTION_DEFAULTS, ENV_FALLBACKS, OPTION_SYNONYMS)


def normalise_filters(filters) -> dict:
    """Turn the user's ``filters`` mapping into sets/dicts the matcher and the API calls use."""
    return _common.normalise_filters(filters, LABEL)


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
    cred = credential.Credential(opts["secret_id"], opts["secret_key"])
    return cvm_client.CvmClient(cred, region, profile)


def _call(client, action: str, params: dict, opts: dict, region: str) -> dict:
    endpoint = _endpoint_label(opts.get("endpoint"), region)
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    try:
        response = getattr(client, action)(request)
    except TencentCloudSDKException as exc:
        code = exc.get_code() or ""
        message = exc.get_message()
        if code.startswith(AUTH_ERROR_PREFIXES):
            raise CloudInventoryError(
                f"{LABEL} authentication failed at {endpoint} ({code}): {message} "
                "Check secret_id/secret_key (CLOUD_TENCENT_SECRET_ID / CLOUD_TENCENT_SECRET_KEY).",
                kind="auth",
                code=code,
            ) from None
        if code in NETWORK_ERRORS:
            raise CloudInventoryError(
                f"{LABEL} endpoint {endpoint} is unreachable: {short_network_error(message)}",
                kind="endpoint",
                code=code,
            ) from None
        raise CloudInventoryError(
            f"{LABEL} {action} failed at {endpoint} ({code}): {message}", code=code
        ) from None
    return json.loads(response.to_json_string())


def list_regions(opts: dict) -> list[str]:
    explicit = [str(r) for r in _common.as_list(opts.get("regions"))]
    if explicit and "all" not in explicit:
        return explicit
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
    return result[:10]


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
    if not opts["secret_id"] or not opts["secret_key"]:
        raise CloudInventoryError(
            f"{LABEL}: no credentials; set secret_id/secret_key or CLOUD_TENCENT_SECRET_ID / "
            "CLOUD_TENCENT_SECRET_KEY",
            kind="auth",
        )
    flt = normalise_filters(opts["filters"])
    return _common.matching_records(
        (_describe_region(opts, flt, region) for region in list_regions(opts)), flt
    )


# ---------------------------------------------------------------------------------------------
# Ansible plugin
# ---------------------------------------------------------------------------------------------
class InventoryModule(_common.CloudInventoryPlugin):
    NAME = PLUGIN_NAME
    LABEL = LABEL
    OPTION_NAMES = tuple(OPTION_DEFAULTS)
    fetch_instances = staticmethod(fetch_instances)

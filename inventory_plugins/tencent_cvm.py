# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for Tencent Cloud CVM instances.

Besides the Ansible plugin this file exposes ``fetch_instances(options) -> list[dict]``, a plain
function the hub's cloud sync loads by file path and calls without Ansible's inventory machinery.
Only the SDKs and ansible are imported at module level so that loading it by path just works.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import combine_vars

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


class CloudInventoryError(AnsibleError):
    """Raised for every failure; ``kind`` is one of auth, endpoint, config, api and ``code`` is
    the provider's error code when there is one."""

    def __init__(self, message: str, kind: str = "api", code: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code


def short_network_error(text) -> str:
    """The useful tail of a connection error (no URLs with signed query strings)."""
    text = str(text)
    found = re.search(
        r"(\[Errno -?\d+\][^'\")]*|timed out|Name or service not known|"
        r"Temporary failure in name resolution|No route to host|SSL[^'\")]*)",
        text,
    )
    if found:
        return found.group(1).strip()
    return re.sub(r"\?\S*", "", text)[:300]


# ---------------------------------------------------------------------------------------------
# options and filters (the same helpers live in every OPS Job cloud plugin)
# ---------------------------------------------------------------------------------------------
def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v is not None and v != ""]
    return [value]


def resolve_options(options: dict | None) -> dict:
    """Defaults + environment fallbacks for options not given (or given as None)."""
    resolved = dict(OPTION_DEFAULTS)
    for key, value in (options or {}).items():
        key = OPTION_SYNONYMS.get(key, key)
        if value is not None:
            resolved[key] = value
    for key, names in ENV_FALLBACKS.items():
        if not resolved.get(key):
            resolved[key] = next((os.environ[n] for n in names if os.environ.get(n)), None)
    return resolved


def normalise_filters(filters) -> dict:
    """Turn the user's ``filters`` mapping into sets/dicts the matcher and the API calls use."""
    filters = dict(filters or {})
    unknown = set(filters) - {"status", "state", "tags", "vpc_id", "name"}
    if unknown:
        raise CloudInventoryError(
            f"{LABEL}: unknown filter(s) {', '.join(sorted(unknown))}; "
            "supported: status, tags, vpc_id, name",
            kind="config",
        )
    tags: dict[str, str | None] = {}
    raw_tags = filters.get("tags") or {}
    if isinstance(raw_tags, dict):
        items = list(raw_tags.items())
    else:
        items = []
        for entry in _as_list(raw_tags):
            key, sep, value = str(entry).partition("=")
            items.append((key, value if sep else None))
    for key, value in items:
        tags[str(key)] = None if value in (None, "", "*") else str(value)
    status = _as_list(filters.get("status")) + _as_list(filters.get("state"))
    return {
        "status": {str(s).lower() for s in status},
        "tags": tags,
        "vpc_id": {str(v) for v in _as_list(filters.get("vpc_id"))},
        "name": [str(n) for n in _as_list(filters.get("name"))],
    }


def _is_glob(value: str) -> bool:
    return any(ch in value for ch in "*?[")


def record_matches(record: dict, flt: dict) -> bool:
    if flt["status"] and not (
        {str(record["cloud_status"]).lower(), record["cloud_state"]} & flt["status"]
    ):
        return False
    if flt["vpc_id"] and record["cloud_vpc_id"] not in flt["vpc_id"]:
        return False
    if flt["name"] and not any(
        fnmatch.fnmatchcase(record["cloud_instance_name"] or "", pattern) for pattern in flt["name"]
    ):
        return False
    tags = record["cloud_tags"]
    for key, pattern in flt["tags"].items():
        if key not in tags:
            return False
        if pattern is not None and not fnmatch.fnmatchcase(str(tags[key] or ""), pattern):
            return False
    return True


def pick_address(record: dict, address: str) -> str | None:
    chosen = {
        "private_ip": record["cloud_private_ip"],
        "public_ip": record["cloud_public_ip"],
        "hostname": record["cloud_hostname"],
    }.get(address)
    return chosen or record["cloud_private_ip"] or record["cloud_public_ip"]


def pick_hostname(record: dict, preferences) -> str:
    sources = {
        "instance_id": "cloud_instance_id",
        "instance_name": "cloud_instance_name",
        "hostname": "cloud_hostname",
        "private_ip": "cloud_private_ip",
        "public_ip": "cloud_public_ip",
    }
    for preference in _as_list(preferences):
        if preference not in sources:
            raise CloudInventoryError(
                f"{LABEL}: unknown hostnames entry {preference!r}; use one of {', '.join(sources)}",
                kind="config",
            )
        value = record.get(sources[preference])
        if value:
            return str(value)
    return str(record["cloud_instance_id"])


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
    explicit = [str(r) for r in _as_list(opts.get("regions"))]
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
        elif not _is_glob(value):
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
    records: list[dict] = []
    seen: set[str] = set()
    for region in list_regions(opts):
        for record in _describe_region(opts, flt, region):
            if record["cloud_instance_id"] in seen or not record_matches(record, flt):
                continue
            seen.add(record["cloud_instance_id"])
            records.append(record)
    return records


# ---------------------------------------------------------------------------------------------
# Ansible plugin
# ---------------------------------------------------------------------------------------------
class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = PLUGIN_NAME

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(
            (f"{PLUGIN_NAME}.yml", f"{PLUGIN_NAME}.yaml")
        )

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        options = {name: self.get_option(name) for name in OPTION_DEFAULTS}

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = fetch_instances(options)
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records, options["hostnames"])

    def _populate(self, records, hostnames):
        strict = self.get_option("strict")
        self.inventory.add_group(PLUGIN_NAME)
        seen: set[str] = set()
        for record in records:
            host = pick_hostname(record, hostnames)
            if host in seen:
                self.display.warning(
                    f"{PLUGIN_NAME}: host name {host!r} is used by more than one instance; "
                    f"{record['cloud_instance_id']} is added under its instance id"
                )
                host = str(record["cloud_instance_id"])
            seen.add(host)
            self.inventory.add_host(host, group=PLUGIN_NAME)
            for key, value in record.items():
                self.inventory.set_variable(host, key, value)
            host_vars = combine_vars(self.inventory.get_host(host).get_vars(), record)
            self._set_composite_vars(self.get_option("compose"), host_vars, host, strict=strict)
            self._add_host_to_composed_groups(
                self.get_option("groups"), host_vars, host, strict=strict
            )
            self._add_host_to_keyed_groups(
                self.get_option("keyed_groups"), host_vars, host, strict=strict
            )

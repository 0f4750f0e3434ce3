# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for Alibaba Cloud (Aliyun) ECS instances.

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
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

    HAS_SDK = True
except ImportError:  # pragma: no cover - reported as a clear error at parse time
    HAS_SDK = False

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
    description: Token that ensures this is a source file for this plugin.
    required: true
    type: str
    choices: [aliyun_ecs]
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
plugin: aliyun_ecs
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
# all.aliyun_ecs.yml - every region, credentials from CLOUD_ALIYUN_ACCESS_KEY/SECRET_KEY, cached
plugin: aliyun_ecs
regions: [all]
cache: true
cache_plugin: jsonfile
cache_connection: /tmp/aliyun_ecs_cache
cache_timeout: 600
"""

PROVIDER = "aliyun"
PLUGIN_NAME = "aliyun_ecs"
LABEL = "Aliyun ECS"
DEFAULT_REGION = "cn-hangzhou"
OPTION_DEFAULTS = {
    "access_key": None,
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
    "access_key": ("CLOUD_ALIYUN_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    "secret_key": ("CLOUD_ALIYUN_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    "endpoint": ("CLOUD_ALIYUN_ENDPOINT",),
}
# provider-neutral names the hub may use -> this plugin's option names
OPTION_SYNONYMS = {"access_key_id": "access_key", "access_key_secret": "secret_key"}
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
# Aliyun API
# ---------------------------------------------------------------------------------------------
def _endpoint_label(endpoint: str | None, region: str) -> str:
    return endpoint or f"the ECS endpoint of region {region}"


def _client(opts: dict, region: str):
    retries = int(opts["max_retries"])
    timeout = int(opts["timeout"])
    return AcsClient(
        opts["access_key"],
        opts["secret_key"],
        region,
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
    explicit = [str(r) for r in _as_list(opts.get("regions"))]
    if explicit and "all" not in explicit:
        return explicit
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
            {"Key": k, "Value": v} for k, v in flt["tags"].items() if v is None or not _is_glob(v)
        ]
        if exact_tags:
            request.set_Tags([{k: v for k, v in t.items() if v is not None} for t in exact_tags])
        data = _call(client, request, opts, region)
        items = (data.get("Instances") or {}).get("Instance") or []
        for item in items:
            records.append(normalise_instance(item, region, opts["address"]))
        total = int(data.get("TotalCount") or 0)
        if not items or page * page_size >= total:
            return records
        page += 1


def fetch_instances(options: dict | None = None) -> list[dict]:
    """Every instance matching ``options`` (plugin option names) as a list of host-var dicts."""
    if not HAS_SDK:
        raise CloudInventoryError(
            f"{LABEL} needs aliyun-python-sdk-core and aliyun-python-sdk-ecs", kind="config"
        )
    opts = resolve_options(options)
    if not opts["access_key"] or not opts["secret_key"]:
        raise CloudInventoryError(
            f"{LABEL}: no credentials; set access_key/secret_key or CLOUD_ALIYUN_ACCESS_KEY / "
            "CLOUD_ALIYUN_SECRET_KEY",
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

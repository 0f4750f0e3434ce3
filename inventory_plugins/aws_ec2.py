# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for AWS EC2 instances (boto3).

Besides the Ansible plugin this file exposes ``fetch_instances(options) -> list[dict]``, a plain
function the hub's cloud sync loads by file path and calls without Ansible's inventory machinery.
Only the SDKs and ansible are imported at module level so that loading it by path just works;
the code all OPS Job cloud plugins share is in __cloud_common.py, which must sit beside this file.
"""

from __future__ import annotations

import importlib.util
import os
import sys

try:
    import boto3
    import botocore.exceptions
    from botocore.config import Config

    HAS_SDK = True
except ImportError:  # pragma: no cover - reported as a clear error at parse time
    HAS_SDK = False

DOCUMENTATION = r"""
name: aws_ec2
short_description: AWS EC2 inventory source (OPS Job)
description:
  - Builds an inventory of AWS EC2 instances with boto3 (the C(describe_instances) paginator, so
    every page is read; C(describe_regions) when O(regions) is V(all)).
  - The configuration file name must end with C(.aws_ec2.yml) or C(.aws_ec2.yaml).
  - Credentials come from the options or boto3's standard chain (environment, shared
    credentials/config files and profiles, instance/container roles).
  - Every host gets provider variables (instance_id, instance_name (the Name tag), instance_type,
    image_id, region, availability_zone, state, platform_details, instance_tags,
    private_ip_address, public_ip_address, private_dns_name, public_dns_name, vpc_id, subnet_id)
    and the normalised C(cloud_*) variables shared by all OPS Job cloud plugins (cloud_provider,
    cloud_instance_id, cloud_region, cloud_zone, cloud_state, cloud_os_type, cloud_tags, ...).
  - All hosts are put in the group C(aws_ec2).
author:
  - OPS Job contributors
requirements:
  - boto3
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Token that ensures this is a source file for this plugin.
    required: true
    type: str
    choices: [aws_ec2]
  access_key:
    description: AWS access key id; boto3's credential chain is used when not set.
    type: str
    env:
      - name: AWS_ACCESS_KEY_ID
  secret_key:
    description: AWS secret access key.
    type: str
    env:
      - name: AWS_SECRET_ACCESS_KEY
  session_token:
    description: AWS session token for temporary credentials.
    type: str
    env:
      - name: AWS_SESSION_TOKEN
  profile:
    description: Named profile of the shared AWS config/credentials files.
    type: str
    env:
      - name: AWS_PROFILE
  regions:
    description:
      - Regions to query, for example V(us-east-1).
      - V(all) (alone in the list) queries every region C(describe_regions) returns.
    type: list
    elements: str
    default: [all]
  filters:
    description:
      - Which instances to keep. Filters are sent to the API (as EC2 C(Filters)) where possible
        and are always applied to the results as well.
      - "C(status): a state or a list of them (V(running), V(stopped), ...), case-insensitive;
        V(terminating) matches V(shutting-down)."
      - "C(tags): a dict of tag key to value, or a list of C(key=value) strings; a value is a
        glob, a key alone (or the value V(*)) only requires the tag to exist. All must match."
      - "C(vpc_id): a VPC id or a list of them."
      - "C(name): a glob or a list of globs matched against the C(Name) tag."
    type: dict
    default: {}
  hostnames:
    description:
      - Preference list for the inventory host name; the first one that has a value is used.
      - V(instance_name) is the C(Name) tag, V(hostname) the private DNS name.
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
  endpoint_url:
    description:
      - EC2 endpoint URL used for every region instead of the regional AWS endpoint (for
        private clouds, proxies, LocalStack or moto).
    type: str
    env:
      - name: AWS_ENDPOINT_URL_EC2
  page_size:
    description: Instances (reservations) asked for per C(DescribeInstances) page (5 to 1000).
    type: int
    default: 1000
  timeout:
    description: Connect and read timeout in seconds for each API call.
    type: int
    default: 30
  max_retries:
    description: How many times botocore retries a failed call.
    type: int
    default: 3
"""

EXAMPLES = r"""
---
# prod.aws_ec2.yml - running instances of two regions, grouped by tag and zone
plugin: aws_ec2
regions:
  - eu-west-1
  - us-east-1
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
  - key: cloud_zone
    prefix: zone
groups:
  windows: cloud_os_type == 'windows'

---
# all.aws_ec2.yml - every enabled region, credentials from a named profile
plugin: aws_ec2
profile: ops
regions: [all]
cache: true
cache_plugin: jsonfile
cache_connection: /tmp/aws_ec2_cache
"""

PROVIDER = "aws"
PLUGIN_NAME = "aws_ec2"
LABEL = "AWS EC2"
DEFAULT_REGION = "us-east-1"
OPTION_DEFAULTS = {
    "access_key": None,
    "secret_key": None,
    "session_token": None,
    "profile": None,
    "regions": ["all"],
    "filters": {},
    "hostnames": ["instance_id"],
    "address": "private_ip",
    "endpoint_url": None,
    "page_size": 1000,
    "timeout": 30,
    "max_retries": 3,
}
# boto3 reads the standard AWS variables itself; only the endpoint is looked up here
ENV_FALLBACKS = {"endpoint_url": ("AWS_ENDPOINT_URL_EC2",)}
# provider-neutral names the hub may use -> this plugin's option names
OPTION_SYNONYMS = {
    "endpoint": "endpoint_url",
    "aws_access_key_id": "access_key",
    "aws_secret_access_key": "secret_key",
    "aws_session_token": "session_token",
}
AUTH_ERROR_CODES = (
    "AuthFailure",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "RequestExpired",
    "UnauthorizedOperation",
    "AccessDenied",
)
# native State.Name -> normalised cloud_state
STATES = {
    "pending": "pending",
    "running": "running",
    "shutting-down": "terminating",
    "terminated": "terminated",
    "stopping": "stopping",
    "stopped": "stopped",
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
# AWS API
# ---------------------------------------------------------------------------------------------
def _endpoint_label(endpoint: str | None, region: str) -> str:
    return endpoint or f"ec2.{region}.amazonaws.com"


def _session(opts: dict):
    try:
        return boto3.session.Session(
            aws_access_key_id=opts.get("access_key") or None,
            aws_secret_access_key=opts.get("secret_key") or None,
            aws_session_token=opts.get("session_token") or None,
            profile_name=opts.get("profile") or None,
        )
    except botocore.exceptions.ProfileNotFound as exc:
        raise CloudInventoryError(f"{LABEL}: {exc}", kind="auth", code="ProfileNotFound") from None


def _client(session, opts: dict, region: str):
    config = Config(
        connect_timeout=int(opts["timeout"]),
        read_timeout=int(opts["timeout"]),
        retries={"total_max_attempts": int(opts["max_retries"]) + 1, "mode": "standard"},
    )
    return session.client(
        "ec2", region_name=region, endpoint_url=opts.get("endpoint_url") or None, config=config
    )


def _translate(exc: Exception, opts: dict, region: str, action: str) -> CloudInventoryError:
    endpoint = _endpoint_label(opts.get("endpoint_url"), region)
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error") or {}
        code = error.get("Code") or ""
        message = error.get("Message") or str(exc)
        if code.startswith(AUTH_ERROR_CODES):
            return CloudInventoryError(
                f"{LABEL} authentication failed at {endpoint} ({code}): {message} Check "
                "access_key/secret_key/profile or the AWS credential chain (AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE).",
                kind="auth",
                code=code,
            )
        return CloudInventoryError(
            f"{LABEL} {action} failed at {endpoint} ({code}): {message}", code=code
        )
    if isinstance(
        exc, (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)
    ):
        return CloudInventoryError(
            f"{LABEL}: no usable credentials ({exc}); set access_key/secret_key or profile, "
            "or configure the AWS credential chain",
            kind="auth",
            code=type(exc).__name__,
        )
    if isinstance(
        exc,
        (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.ConnectionClosedError,
        ),
    ):
        return CloudInventoryError(
            f"{LABEL} endpoint {endpoint} is unreachable: "
            f"{short_network_error(exc) if '[Errno' in str(exc) else exc}",
            kind="endpoint",
            code=type(exc).__name__,
        )
    return CloudInventoryError(f"{LABEL} {action} failed at {endpoint}: {exc}")


def list_regions(opts: dict, session=None) -> list[str]:
    explicit = [str(r) for r in _common.as_list(opts.get("regions"))]
    if explicit and "all" not in explicit:
        return explicit
    session = session or _session(opts)
    region = session.region_name or DEFAULT_REGION
    try:
        data = _client(session, opts, region).describe_regions()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise _translate(exc, opts, region, "DescribeRegions") from None
    return sorted(r["RegionName"] for r in data.get("Regions") or [])


def normalise_instance(item: dict, region: str, address: str = "private_ip") -> dict:
    """One ``Reservations[].Instances[]`` element -> host variables (provider + cloud_*)."""
    tags = {t.get("Key"): t.get("Value") for t in item.get("Tags") or [] if t.get("Key")}
    private_ips: list[str] = []
    public_ips: list[str] = []
    if item.get("PrivateIpAddress"):
        private_ips.append(item["PrivateIpAddress"])
    if item.get("PublicIpAddress"):
        public_ips.append(item["PublicIpAddress"])
    for nic in item.get("NetworkInterfaces") or []:
        for entry in nic.get("PrivateIpAddresses") or []:
            ip = entry.get("PrivateIpAddress")
            if ip and ip not in private_ips:
                private_ips.append(ip)
            public = (entry.get("Association") or {}).get("PublicIp")
            if public and public not in public_ips:
                public_ips.append(public)
    state = (item.get("State") or {}).get("Name") or ""
    windows = (item.get("Platform") or "").lower() == "windows"
    os_name = item.get("PlatformDetails") or ("Windows" if windows else "Linux/UNIX")
    zone = (item.get("Placement") or {}).get("AvailabilityZone")
    hostname = item.get("PrivateDnsName") or item.get("PublicDnsName") or None
    record = {
        "instance_id": item.get("InstanceId"),
        "instance_name": tags.get("Name"),
        "instance_type": item.get("InstanceType"),
        "image_id": item.get("ImageId"),
        "region": region,
        "availability_zone": zone,
        "state": state,
        "platform_details": os_name,
        "instance_tags": tags,
        "private_ip_address": item.get("PrivateIpAddress"),
        "public_ip_address": item.get("PublicIpAddress"),
        "private_dns_name": item.get("PrivateDnsName") or None,
        "public_dns_name": item.get("PublicDnsName") or None,
        "vpc_id": item.get("VpcId"),
        "subnet_id": item.get("SubnetId"),
        "cloud_provider": PROVIDER,
        "cloud_instance_id": item.get("InstanceId"),
        "cloud_instance_name": tags.get("Name"),
        "cloud_hostname": hostname,
        "cloud_region": region,
        "cloud_zone": zone,
        "cloud_instance_type": item.get("InstanceType"),
        "cloud_status": state,
        "cloud_state": STATES.get(state.lower(), state.lower()),
        "cloud_os_name": os_name,
        "cloud_os_type": "windows" if windows else "linux",
        "cloud_private_ip": private_ips[0] if private_ips else None,
        "cloud_public_ip": public_ips[0] if public_ips else None,
        "cloud_private_ips": private_ips,
        "cloud_public_ips": public_ips,
        "cloud_vpc_id": item.get("VpcId"),
        "cloud_tags": tags,
    }
    record["ansible_host"] = pick_address(record, address)
    return record


def api_filters(flt: dict) -> list[dict]:
    """The part of the user's filters EC2 can apply itself (its Filters take * and ? globs)."""
    result = []
    natives = []
    for wanted in flt["status"]:
        natives += [k for k, v in STATES.items() if wanted in (k, v)]
    if flt["status"] and natives:
        result.append({"Name": "instance-state-name", "Values": sorted(set(natives))})
    if flt["vpc_id"]:
        result.append({"Name": "vpc-id", "Values": sorted(flt["vpc_id"])})
    if flt["name"] and not any("[" in n for n in flt["name"]):
        result.append({"Name": "tag:Name", "Values": list(flt["name"])})
    for key, value in flt["tags"].items():
        if value is None:
            result.append({"Name": "tag-key", "Values": [key]})
        elif "[" not in value:
            result.append({"Name": f"tag:{key}", "Values": [value]})
    return result


def _describe_region(session, opts: dict, flt: dict, region: str) -> list[dict]:
    client = _client(session, opts, region)
    page_size = max(5, min(1000, int(opts["page_size"])))
    kwargs: dict = {"PaginationConfig": {"PageSize": page_size}}
    filters = api_filters(flt)
    if filters:
        kwargs["Filters"] = filters
    records: list[dict] = []
    try:
        for page in client.get_paginator("describe_instances").paginate(**kwargs):
            for reservation in page.get("Reservations") or []:
                for item in reservation.get("Instances") or []:
                    records.append(normalise_instance(item, region, opts["address"]))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise _translate(exc, opts, region, "DescribeInstances") from None
    return records


def fetch_instances(options: dict | None = None) -> list[dict]:
    """Every instance matching ``options`` (plugin option names) as a list of host-var dicts."""
    if not HAS_SDK:
        raise CloudInventoryError(f"{LABEL} needs boto3", kind="config")
    opts = resolve_options(options)
    flt = normalise_filters(opts["filters"])
    session = _session(opts)
    return _common.matching_records(
        (_describe_region(session, opts, flt, region) for region in list_regions(opts, session)),
        flt,
    )


# ---------------------------------------------------------------------------------------------
# Ansible plugin
# ---------------------------------------------------------------------------------------------
class InventoryModule(_common.CloudInventoryPlugin):
    NAME = PLUGIN_NAME
    LABEL = LABEL
    OPTION_NAMES = tuple(OPTION_DEFAULTS)
    fetch_instances = staticmethod(fetch_instances)

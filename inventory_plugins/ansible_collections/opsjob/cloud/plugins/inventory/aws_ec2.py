# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible inventory plugin for AWS EC2 instances (boto3), opsjob.cloud.aws_ec2.

Option names and semantics follow amazon.aws.aws_ec2 where the two overlap (see the collection
README for the table). Besides the Ansible plugin this file exposes
``fetch_instances(options) -> list[dict]``, a plain function the hub's cloud sync loads by file
path and calls without Ansible's inventory machinery.
"""

from __future__ import annotations

import datetime
import re

try:
    import boto3
    import botocore.exceptions
    from botocore.config import Config

    HAS_SDK = True
except ImportError:  # pragma: no cover - reported as a clear error at parse time
    HAS_SDK = False

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 trusts every template

    def trust_as_template(value):
        return value


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
name: aws_ec2
short_description: AWS EC2 inventory source (OPS Job, amazon.aws compatible options)
description:
  - Builds an inventory of AWS EC2 instances with boto3 (the C(describe_instances) paginator, so
    every page is read; C(describe_regions) when no region is named).
  - Option names and semantics follow C(amazon.aws.aws_ec2) where the two overlap (O(filters),
    O(include_filters), O(exclude_filters), O(hostnames), O(regions), O(region),
    O(assume_role_arn), O(hostvars_prefix), O(hostvars_suffix), O(allow_duplicated_hosts),
    O(strict_permissions), the C(constructed) options); the collection README has the table.
  - Terminated (and shutting-down) instances are left out unless a filter names
    C(instance-state-name) (or the provider-neutral C(status)).
  - The configuration file name must end with C(aws_ec2.yml) or C(aws_ec2.yaml), and its
    C(plugin) must be V(opsjob.cloud.aws_ec2); V(aws_ec2) is accepted only when this file is loaded
    from C(ANSIBLE_INVENTORY_PLUGINS) (a config naming C(amazon.aws.aws_ec2) is never taken).
  - Host variables are the C(describe_instances) instance dict snake_cased as amazon.aws does it
    (C(instance_id), C(state.name), C(placement.availability_zone), C(placement.region),
    C(security_groups), C(private_ip_address), C(owner_id), C(reservation_id), ...; date-times as
    ISO 8601 strings) with C(tags) as a dict, plus the C(cloud_*) variables shared by all
    opsjob.cloud plugins (not affected by O(hostvars_prefix)) and C(ansible_host) (O(address)).
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
    description:
      - Token that ensures this is a source file for this plugin.
      - V(aws_ec2) is accepted only when the plugin is loaded from C(ANSIBLE_INVENTORY_PLUGINS)
        (the C(inventory_plugins/aws_ec2.py) link), not from the collection.
    required: true
    type: str
    choices: [opsjob.cloud.aws_ec2, aws_ec2]
  access_key:
    description: AWS access key id; boto3's credential chain is used when not set.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
    env:
      - name: AWS_ACCESS_KEY_ID
  secret_key:
    description: AWS secret access key.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
    env:
      - name: AWS_SECRET_ACCESS_KEY
  session_token:
    description: AWS session token for temporary credentials.
    type: str
    aliases: [aws_session_token]
    env:
      - name: AWS_SESSION_TOKEN
  profile:
    description: Named profile of the shared AWS config/credentials files.
    type: str
    aliases: [aws_profile]
    env:
      - name: AWS_PROFILE
  region:
    description:
      - The region used for the calls that are not per region (C(describe_regions), STS
        C(AssumeRole)), as in amazon.aws. It does not limit the regions queried; O(regions) does.
    type: str
    aliases: [aws_region]
    env:
      - name: AWS_REGION
  regions:
    description:
      - Regions to query, for example V(us-east-1).
      - Empty (amazon.aws' default) or V(all) (alone in the list) queries every region
        C(describe_regions) returns.
    type: list
    elements: str
    default: [all]
  assume_role_arn:
    description:
      - ARN of an IAM role to assume (STS C(AssumeRole)) with the configured credentials; the
        temporary credentials are then used for every EC2 call.
    type: str
    aliases: [iam_role_arn]
  filters:
    description:
      - EC2 C(DescribeInstances) filters, passed to the API as they are, for example
        C(instance-state-name), C(tag:Env), C(tag-key), C(instance-type), C(vpc-id),
        C(availability-zone). A value may be one value or a list (booleans become
        V(true)/V(false)). See
        U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
      - "The provider-neutral filters of all opsjob.cloud plugins are understood too and are
        translated to EC2 filters and re-checked on the results: C(status) (a state or a list,
        V(terminating) matches V(shutting-down)), C(tags) (a dict of tag key to glob, or a list
        of C(key=value) strings; a key alone or V(*) only requires the tag), C(vpc_id),
        C(name) (globs on the C(Name) tag)."
      - Unless a filter names C(instance-state-name) (or C(status)), only V(pending),
        V(running), V(stopping) and V(stopped) instances are listed.
    type: dict
    default: {}
  include_filters:
    description:
      - A list of filter dicts like O(filters); each one is a separate query and an instance
        found by any of them (or by O(filters)) is included.
    type: list
    elements: dict
    default: []
  exclude_filters:
    description:
      - A list of filter dicts like O(filters); an instance found by any of them is left out,
        even when O(filters) or O(include_filters) found it.
    type: list
    elements: dict
    default: []
  hostnames:
    description:
      - Preference list for the inventory host name; the first entry that gives a value wins.
        An instance that gets no name is left out (with a warning), as in amazon.aws.
      - "An entry is an EC2 filter name read from the instance (V(dns-name), V(private-dns-name),
        V(ip-address), V(private-ip-address), V(instance-id), V(image-id), V(instance-type),
        V(availability-zone), V(vpc-id), V(subnet-id), V(key-name), V(owner-id),
        V(reservation-id), V(network-interface.addresses.private-ip-address),
        V(network-interface.private-dns-name), ...); any other string is used as it is."
      - "C(tag:NAME) is the value of a tag, C(tag:A,B) the first of several tags (all of them
        with O(allow_duplicated_hosts)), C(tag:KEY=VALUE) gives C(KEY_VALUE) when the tag has that
        value."
      - "A dict C({name: ..., prefix: ..., separator: _}) joins the value of C(prefix) and of
        C(name) with C(separator)."
      - "An entry may end in Jinja2 filters: C(tag:Name | lower),
        C(tag:Name,role | join('-')) (several tags go in as a list). An entry that finds no
        value gives no name (amazon.aws names such a host C([]))."
      - "The names of the other opsjob.cloud plugins still work: V(instance_id),
        V(instance_name) (C(tag:Name)), V(hostname) (V(private-dns-name)), V(private_ip),
        V(public_ip)."
      - Two instances with the same name do not merge; the second one is added under its
        instance id, with a warning.
    type: list
    elements: raw
    default: [dns-name, private-dns-name]
  allow_duplicated_hosts:
    description:
      - Add an instance under every name its O(hostnames) entries give, not only the first.
    type: bool
    default: false
  hostvars_prefix:
    description: Prefix for the names of the instance's host variables (not C(cloud_*)).
    type: str
  hostvars_suffix:
    description: Suffix for the names of the instance's host variables (not C(cloud_*)).
    type: str
  use_contrib_script_compatible_ec2_tag_keys:
    description: Also set one C(ec2_tag_KEY) variable per tag, like the old ec2.py script.
    type: bool
    default: false
  use_contrib_script_compatible_sanitization:
    description:
      - Sanitize group names like the old ec2.py script did (every character other than
        letters, digits, C(_) and C(-) becomes C(_)).
    type: bool
    default: false
  strict_permissions:
    description:
      - When V(false), a region that answers C(UnauthorizedOperation) is skipped instead of
        failing the inventory.
    type: bool
    default: true
  address:
    description:
      - Which address becomes C(ansible_host). When the chosen one is empty the private IP, then
        the public IP is used. amazon.aws sets no C(ansible_host); set it with O(compose) to
        override this.
    type: str
    choices: [private_ip, public_ip, hostname]
    default: private_ip
  endpoint_url:
    description:
      - Endpoint URL used for every EC2 (and STS) call instead of the regional AWS endpoint (for
        private clouds, proxies, LocalStack or moto).
    type: str
    aliases: [aws_endpoint_url]
    env:
      - name: AWS_ENDPOINT_URL_EC2
      - name: AWS_URL
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
# prod.aws_ec2.yml - an amazon.aws.aws_ec2 config works once its plugin line is changed
plugin: opsjob.cloud.aws_ec2
regions:
  - eu-west-1
  - us-east-1
filters:
  instance-state-name: running
  tag:env: prod
exclude_filters:
  - tag:role: bastion
hostnames:
  - tag:Name
  - private-ip-address
keyed_groups:
  - key: tags.role
    prefix: role
  - key: placement.availability_zone
    prefix: zone
  - key: instance_type
    prefix: type
groups:
  windows: platform is defined and platform == 'windows'
compose:
  ansible_host: private_ip_address

---
# all.aws_ec2.yml - every region, a role assumed from a named profile, cached
plugin: opsjob.cloud.aws_ec2
profile: ops
assume_role_arn: arn:aws:iam::123456789012:role/inventory-reader
regions: []
hostnames:
  - name: tag:Name
    prefix: tag:env
    separator: "-"
cache: true
cache_plugin: jsonfile
cache_connection: /tmp/aws_ec2_cache
"""

PROVIDER = "aws"
SHORT_NAME = "aws_ec2"
PLUGIN_NAME = "opsjob.cloud.aws_ec2"
LABEL = "AWS EC2"
DEFAULT_REGION = "us-east-1"
OPTION_DEFAULTS = {
    "access_key": None,
    "secret_key": None,
    "session_token": None,
    "profile": None,
    "region": None,
    "regions": ["all"],
    "assume_role_arn": None,
    "filters": {},
    "include_filters": [],
    "exclude_filters": [],
    "hostnames": ["dns-name", "private-dns-name"],
    "allow_duplicated_hosts": False,
    "hostvars_prefix": None,
    "hostvars_suffix": None,
    "use_contrib_script_compatible_ec2_tag_keys": False,
    "use_contrib_script_compatible_sanitization": False,
    "strict_permissions": True,
    "address": "private_ip",
    "endpoint_url": None,
    "page_size": 1000,
    "timeout": 30,
    "max_retries": 3,
}
# boto3 reads the standard AWS variables itself; only the endpoint is looked up here
ENV_FALLBACKS = {"endpoint_url": ("AWS_ENDPOINT_URL_EC2", "AWS_URL")}
# amazon.aws aliases and the provider-neutral names the hub uses -> this plugin's option names
OPTION_SYNONYMS = {
    "endpoint": "endpoint_url",
    "aws_endpoint_url": "endpoint_url",
    "aws_access_key_id": "access_key",
    "aws_access_key": "access_key",
    "aws_secret_access_key": "secret_key",
    "aws_secret_key": "secret_key",
    "aws_session_token": "session_token",
    "aws_profile": "profile",
    "aws_region": "region",
    "iam_role_arn": "assume_role_arn",
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
LIVE_STATES = ["pending", "running", "stopping", "stopped"]
# hostnames entries: EC2 filter name -> path in the snake_cased instance variables
HOSTNAME_ATTRIBUTES = {
    "dns-name": ("public_dns_name",),
    "private-dns-name": ("private_dns_name",),
    "ip-address": ("public_ip_address",),
    "private-ip-address": ("private_ip_address",),
    "instance-id": ("instance_id",),
    "image-id": ("image_id",),
    "instance-type": ("instance_type",),
    "architecture": ("architecture",),
    "availability-zone": ("placement", "availability_zone"),
    "placement-group-name": ("placement", "group_name"),
    "tenancy": ("placement", "tenancy"),
    "host-id": ("placement", "host_id"),
    "vpc-id": ("vpc_id",),
    "subnet-id": ("subnet_id",),
    "key-name": ("key_name",),
    "kernel-id": ("kernel_id",),
    "ramdisk-id": ("ramdisk_id",),
    "platform": ("platform",),
    "hypervisor": ("hypervisor",),
    "root-device-name": ("root_device_name",),
    "root-device-type": ("root_device_type",),
    "owner-id": ("owner_id",),
    "requester-id": ("requester_id",),
    "reservation-id": ("reservation_id",),
    "launch-time": ("launch_time",),
    "instance-state-name": ("state", "name"),
    "instance-state-code": ("state", "code"),
    "instance.group-id": ("security_groups", "group_id"),
    "instance.group-name": ("security_groups", "group_name"),
    "iam-instance-profile.arn": ("iam_instance_profile", "arn"),
    "network-interface.addresses.private-ip-address": (
        "network_interfaces",
        "private_ip_address",
    ),
    "network-interface.private-dns-name": ("network_interfaces", "private_dns_name"),
    "network-interface.mac-address": ("network_interfaces", "mac_address"),
    "network-interface.network-interface-id": ("network_interfaces", "network_interface_id"),
    "network-interface.subnet-id": ("network_interfaces", "subnet_id"),
    "network-interface.vpc-id": ("network_interfaces", "vpc_id"),
    "network-interface.association.public-ip": (
        "network_interfaces",
        "association",
        "public_ip",
    ),
    "network-interface.ipv6-addresses.ipv6-address": (
        "network_interfaces",
        "ipv6_addresses",
        "ipv6_address",
    ),
}
# the hostnames vocabulary of the other opsjob.cloud plugins
LEGACY_HOSTNAMES = {
    "instance_id": "instance-id",
    "instance_name": "tag:Name",
    "hostname": "private-dns-name",
    "private_ip": "private-ip-address",
    "public_ip": "ip-address",
}

CloudInventoryError = _common.CloudInventoryError
short_network_error = _common.short_network_error
record_matches = _common.record_matches
pick_address = _common.pick_address


def resolve_options(options: dict | None) -> dict:
    """Defaults + environment fallbacks for options not given (or given as None)."""
    return _common.resolve_options(options, OPTION_DEFAULTS, ENV_FALLBACKS, OPTION_SYNONYMS)


def _native_filter(key, value) -> str:
    if not isinstance(key, str) or not key.strip():
        raise CloudInventoryError(f"{LABEL}: a filter name must be a string", kind="config")
    return key


def normalise_filters(filters) -> dict:
    """The user's ``filters`` mapping: provider-neutral keys as sets/dicts for the matcher, any
    other key an EC2 filter name (``native``)."""
    return _common.normalise_filters(filters, LABEL, native=_native_filter)


# ---------------------------------------------------------------------------------------------
# AWS API
# ---------------------------------------------------------------------------------------------
def _endpoint_label(endpoint: str | None, region: str) -> str:
    return endpoint or f"ec2.{region}.amazonaws.com"


def _config(opts: dict):
    return Config(
        connect_timeout=int(opts["timeout"]),
        read_timeout=int(opts["timeout"]),
        retries={"total_max_attempts": int(opts["max_retries"]) + 1, "mode": "standard"},
    )


def _session(opts: dict):
    try:
        session = boto3.session.Session(
            aws_access_key_id=opts.get("access_key") or None,
            aws_secret_access_key=opts.get("secret_key") or None,
            aws_session_token=opts.get("session_token") or None,
            profile_name=opts.get("profile") or None,
        )
    except botocore.exceptions.ProfileNotFound as exc:
        raise CloudInventoryError(f"{LABEL}: {exc}", kind="auth", code="ProfileNotFound") from None
    if not opts.get("assume_role_arn"):
        return session
    return _assumed_role_session(session, opts)


def _assumed_role_session(session, opts: dict):
    """STS AssumeRole with the configured credentials; a session on the temporary ones."""
    region = opts.get("region") or session.region_name or DEFAULT_REGION
    sts = session.client(
        "sts",
        region_name=region,
        endpoint_url=opts.get("endpoint_url") or None,
        config=_config(opts),
    )
    try:
        answer = sts.assume_role(
            RoleArn=opts["assume_role_arn"], RoleSessionName="opsjob_cloud_aws_ec2_inventory"
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise _translate(exc, opts, region, f"AssumeRole {opts['assume_role_arn']}") from None
    creds = answer["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=session.region_name,
    )


def _client(session, opts: dict, region: str):
    return session.client(
        "ec2",
        region_name=region,
        endpoint_url=opts.get("endpoint_url") or None,
        config=_config(opts),
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
    region = opts.get("region") or session.region_name or DEFAULT_REGION
    try:
        data = _client(session, opts, region).describe_regions()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise _translate(exc, opts, region, "DescribeRegions") from None
    return sorted(r["RegionName"] for r in data.get("Regions") or [])


def _plain(value):
    """JSON-ready values: date-times as ISO 8601 (what ansible-inventory prints for them)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def instance_vars(item: dict) -> dict:
    """A describe_instances instance (with its reservation's OwnerId, RequesterId and
    ReservationId) as amazon.aws names its host variables."""
    hostvars = _plain(camel_dict_to_snake_dict(item, ignore_list=["Tags"]))
    hostvars["tags"] = {
        t.get("Key"): t.get("Value") for t in item.get("Tags") or [] if t.get("Key") is not None
    }
    placement = hostvars.setdefault("placement", {})
    placement["region"] = (placement.get("availability_zone") or "")[:-1]
    return hostvars


def _ips(item: dict) -> tuple[list[str], list[str]]:
    private_ips: list[str] = [item["PrivateIpAddress"]] if item.get("PrivateIpAddress") else []
    public_ips: list[str] = [item["PublicIpAddress"]] if item.get("PublicIpAddress") else []
    for nic in item.get("NetworkInterfaces") or []:
        for entry in nic.get("PrivateIpAddresses") or []:
            ip = entry.get("PrivateIpAddress")
            if ip and ip not in private_ips:
                private_ips.append(ip)
            public = (entry.get("Association") or {}).get("PublicIp")
            if public and public not in public_ips:
                public_ips.append(public)
    return private_ips, public_ips


def normalise_instance(item: dict, region: str, address: str = "private_ip") -> dict:
    """One ``Reservations[].Instances[]`` element -> host variables (amazon.aws + cloud_*)."""
    record = instance_vars(item)
    tags = record["tags"]
    private_ips, public_ips = _ips(item)
    state = (item.get("State") or {}).get("Name") or ""
    windows = (item.get("Platform") or "").lower() == "windows"
    zone = (item.get("Placement") or {}).get("AvailabilityZone")
    record.update(
        {
            "cloud_provider": PROVIDER,
            "cloud_instance_id": item.get("InstanceId"),
            "cloud_instance_name": tags.get("Name"),
            "cloud_hostname": item.get("PrivateDnsName") or item.get("PublicDnsName") or None,
            "cloud_region": region,
            "cloud_zone": zone,
            "cloud_instance_type": item.get("InstanceType"),
            "cloud_status": state,
            "cloud_state": STATES.get(state.lower(), state.lower()),
            "cloud_os_name": item.get("PlatformDetails")
            or ("Windows" if windows else "Linux/UNIX"),
            "cloud_os_type": "windows" if windows else "linux",
            "cloud_private_ip": private_ips[0] if private_ips else None,
            "cloud_public_ip": public_ips[0] if public_ips else None,
            "cloud_private_ips": private_ips,
            "cloud_public_ips": public_ips,
            "cloud_vpc_id": item.get("VpcId"),
            "cloud_tags": tags,
        }
    )
    record["ansible_host"] = pick_address(record, address)
    return record


def _filter_values(value) -> list[str]:
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def api_filters(flt: dict) -> list[dict]:
    """EC2 Filters for one filter dict: the native ones as given, the provider-neutral ones
    translated where EC2 can apply them (its Filters take * and ? globs)."""
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
    for name, value in flt.get("native", {}).items():
        result.append({"Name": name, "Values": _filter_values(value)})
    return result


def _query_filters(flt: dict) -> list[dict]:
    filters = api_filters(flt)
    if flt["status"] and not any(f["Name"] == "instance-state-name" for f in filters):
        return filters  # a status EC2 cannot express: the local re-check decides
    if not any(f["Name"] == "instance-state-name" for f in filters):
        filters.append({"Name": "instance-state-name", "Values": list(LIVE_STATES)})
    return filters


def _describe(client, opts: dict, filters: list[dict]) -> list[dict]:
    page_size = max(5, min(1000, int(opts["page_size"])))
    kwargs: dict = {"PaginationConfig": {"PageSize": page_size}, "Filters": filters}
    items: list[dict] = []
    for page in client.get_paginator("describe_instances").paginate(**kwargs):
        for reservation in page.get("Reservations") or []:
            extra = {
                "OwnerId": reservation.get("OwnerId"),
                "RequesterId": reservation.get("RequesterId", ""),
                "ReservationId": reservation.get("ReservationId"),
            }
            items += [{**item, **extra} for item in reservation.get("Instances") or []]
    return items


def _region_records(session, opts: dict, queries: list[dict], region: str) -> list[list[dict]]:
    """Per filter dict of ``queries``, the matching instances of one region."""
    client = _client(session, opts, region)
    found = []
    for flt in queries:
        try:
            items = _describe(client, opts, _query_filters(flt))
        except botocore.exceptions.ClientError as exc:
            code = (exc.response.get("Error") or {}).get("Code")
            if code == "UnauthorizedOperation" and not opts["strict_permissions"]:
                return [[] for _ in queries]
            raise _translate(exc, opts, region, "DescribeInstances") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise _translate(exc, opts, region, "DescribeInstances") from None
        records = [normalise_instance(item, region, opts["address"]) for item in items]
        found.append([r for r in records if record_matches(r, flt)])
    return found


def _filter_dicts(value, option: str) -> list[dict]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, dict) for v in value):
        raise CloudInventoryError(f"{LABEL}: {option} must be a list of dicts", kind="config")
    return [normalise_filters(v) for v in value]


def fetch_instances(options: dict | None = None) -> list[dict]:
    """Every instance ``options`` (plugin option names) select, as host-var dicts, sorted by
    instance id: found by ``filters`` or an ``include_filters`` entry, by no
    ``exclude_filters`` entry (amazon.aws semantics)."""
    if not HAS_SDK:
        raise CloudInventoryError(f"{LABEL} needs boto3", kind="config")
    opts = resolve_options(options)
    include = _filter_dicts(opts["include_filters"], "include_filters")
    if opts["filters"] or not include:
        include.insert(0, normalise_filters(opts["filters"]))
    exclude = _filter_dicts(opts["exclude_filters"], "exclude_filters")
    session = _session(opts)
    excluded: set[str] = set()
    selected: dict[str, dict] = {}
    for region in list_regions(opts, session):
        batches = _region_records(session, opts, include + exclude, region)
        for batch in batches[len(include) :]:
            excluded.update(r["cloud_instance_id"] for r in batch)
        for batch in batches[: len(include)]:
            for record in batch:
                selected.setdefault(record["cloud_instance_id"], record)
    return [selected[i] for i in sorted(selected) if i not in excluded]


# ---------------------------------------------------------------------------------------------
# host names (amazon.aws hostnames semantics)
# ---------------------------------------------------------------------------------------------
def _attribute(hostvars: dict, path: tuple[str, ...]):
    """The value at ``path``; through lists, the non-empty values (one value alone unwrapped)."""
    value = hostvars
    for key in path:
        if isinstance(value, list):
            value = [v.get(key) for v in value if isinstance(v, dict) and v.get(key)]
            value = value[0] if len(value) == 1 else value
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _tag_names(preference: str, tags: dict) -> list[str]:
    names = []
    for wanted in preference[len("tag:") :].split(","):
        key, sep, expected = wanted.partition("=")
        if sep:
            if tags.get(key) == expected:
                names.append(f"{key}_{expected}")
        elif tags.get(key):
            names.append(str(tags[key]))
    return names


def _names_for(hostvars: dict, preference, render=None) -> list[str]:
    """Every name one ``hostnames`` entry gives for an instance (empty: none). ``render(value,
    expression)`` applies the Jinja2 filter of an entry such as ``tag:Name | lower``."""
    if isinstance(preference, dict):
        return _joined_names(hostvars, preference, render)
    if not isinstance(preference, str):
        raise CloudInventoryError(f"{LABEL}: hostnames entries are strings or dicts", kind="config")
    if "|" in preference and render is not None:
        return _filtered_names(hostvars, preference, render)
    preference = LEGACY_HOSTNAMES.get(preference, preference)
    if preference.startswith("tag:"):
        return _tag_names(preference, hostvars.get("tags") or {})
    if preference not in HOSTNAME_ATTRIBUTES:
        return [preference]  # amazon.aws uses an unknown entry as the name itself
    value = _attribute(hostvars, HOSTNAME_ATTRIBUTES[preference])
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "")]


def _joined_names(hostvars: dict, preference: dict, render) -> list[str]:
    """``{name, prefix, separator}``: prefix + separator + name when both give a value."""
    if "name" not in preference:
        raise CloudInventoryError(f"{LABEL}: a hostnames dict needs a 'name' key", kind="config")
    names = _names_for(hostvars, preference["name"], render)
    prefixes = _names_for(hostvars, preference["prefix"], render) if "prefix" in preference else []
    if names and prefixes:
        return [f"{prefixes[0]}{preference.get('separator', '_')}{names[0]}"]
    return names


def _filtered_names(hostvars: dict, preference: str, render) -> list[str]:
    base, expression = (part.strip() for part in preference.split("|", 1))
    names = _names_for(hostvars, base, render)
    if not names:
        return []
    # a list goes into the filter when the entry names several tags or finds several values
    several = len(names) > 1 or (base.startswith("tag:") and "," in base)
    return [str(n) for n in _common.as_list(render(names if several else names[0], expression))]


def host_names(hostvars: dict, hostnames, every: bool = False, render=None) -> list[str]:
    """The instance's inventory name(s): the first entry of ``hostnames`` that gives one, or
    with ``every`` all names of all entries."""
    found: list[str] = []
    for preference in _common.as_list(hostnames) or OPTION_DEFAULTS["hostnames"]:
        names = _names_for(hostvars, preference, render)
        if names and not every:
            return names[:1]
        found += [n for n in names if n not in found]
    return found


def host_variables(record: dict, opts: dict) -> dict:
    """A record's Ansible variables: amazon.aws' with the prefix/suffix, cloud_* as they are."""
    own = {k: v for k, v in record.items() if not k.startswith("cloud_") and k != "ansible_host"}
    if opts.get("use_contrib_script_compatible_ec2_tag_keys"):
        own.update({f"ec2_tag_{k}": v for k, v in (record.get("tags") or {}).items()})
    prefix, suffix = opts.get("hostvars_prefix") or "", opts.get("hostvars_suffix") or ""
    variables = {f"{prefix}{k}{suffix}": v for k, v in own.items()}
    variables.update({k: v for k, v in record.items() if k not in own})
    return variables


# ---------------------------------------------------------------------------------------------
# Ansible plugin
# ---------------------------------------------------------------------------------------------
class InventoryModule(_common.CloudInventoryPlugin):
    NAME = PLUGIN_NAME
    GROUP = SHORT_NAME
    LABEL = LABEL
    OPTION_NAMES = tuple(OPTION_DEFAULTS)
    fetch_instances = staticmethod(fetch_instances)

    def parse(self, inventory, loader, path, cache=True):
        super(_common.CloudInventoryPlugin, self).parse(inventory, loader, path, cache=cache)
        self._redirected_names = list(self.accepted_names())
        self._read_config_data(path)
        opts = {name: self.get_option(name) for name in self.OPTION_NAMES}
        if opts["use_contrib_script_compatible_sanitization"]:
            self._sanitize_group_name = _script_group_name
        records = self.cached_records(path, cache, lambda: fetch_instances(opts))
        self._populate_ec2(records, opts)

    def _populate_ec2(self, records, opts: dict) -> None:
        self.inventory.add_group(self.GROUP)
        taken: set[str] = set()
        for record in records:
            every = opts["allow_duplicated_hosts"]
            names = host_names(record, opts["hostnames"], every=every, render=self._render)
            if not names:
                self.display.warning(
                    f"{self.GROUP}: no hostnames entry gives a name for "
                    f"{record['cloud_instance_id']}; it is left out"
                )
                continue
            variables = host_variables(record, opts)
            for name in names:
                name = self._sanitize_group_name(name) if ":" in name else name
                self.add_record(self.unique_host(name, record, taken), variables)

    def _render(self, value, expression: str):
        """A name (or a list of them) through a hostnames entry's Jinja2 filter."""
        templar = self.templar.copy_with_new_env(available_variables={"opsjob_names": value})
        return templar.template(trust_as_template(f"{{{{ opsjob_names | {expression} }}}}"))


def _script_group_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "_", name)

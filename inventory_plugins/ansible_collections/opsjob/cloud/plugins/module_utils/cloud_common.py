# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Code shared by the opsjob.cloud inventory plugins (aliyun_ecs, tencent_cvm, aws_ec2).

Inside Ansible the plugins import it as
``ansible_collections.opsjob.cloud.plugins.module_utils.cloud_common``. Where no collection loader
is active (the hub loads the plugin files by path; ``inventory_plugins/*.py`` are links to the
plugins for ANSIBLE_INVENTORY_PLUGINS) a plugin loads this file by path, relative to its own real
location, and keeps it in ``sys.modules`` under ``MODULE_NAME``: every plugin and the hub then
share one copy, hence one CloudInventoryError.

Only the standard library and ansible are imported here.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import combine_vars

MODULE_NAME = "_opsjob_cloud_inventory_common"
COLLECTION = "opsjob.cloud"
# the provider-neutral filters every plugin understands (re-checked on the results); any other
# key is a provider-native filter, validated and passed to the API by the plugin
FILTER_NAMES = ("status", "state", "tags", "vpc_id", "name")
HOSTNAME_SOURCES = {
    "instance_id": "cloud_instance_id",
    "instance_name": "cloud_instance_name",
    "hostname": "cloud_hostname",
    "private_ip": "cloud_private_ip",
    "public_ip": "cloud_public_ip",
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
# options and filters
# ---------------------------------------------------------------------------------------------
def as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v is not None and v != ""]
    return [value]


def is_glob(value: str) -> bool:
    return any(ch in value for ch in "*?[")


def resolve_options(
    options: dict | None, defaults: dict, env_fallbacks: dict, synonyms: dict
) -> dict:
    """Defaults + environment fallbacks for options not given (or given as None); ``synonyms``
    maps provider-neutral names to the plugin's option names."""
    resolved = dict(defaults)
    for key, value in (options or {}).items():
        key = synonyms.get(key, key)
        if value is not None:
            resolved[key] = value
    for key, names in env_fallbacks.items():
        if not resolved.get(key):
            resolved[key] = next((os.environ[n] for n in names if os.environ.get(n)), None)
    return resolved


def canonical(module):
    """The one copy of this file per process when it is loaded by path: the first one wins, so
    the three plugins and the hub share it (and one CloudInventoryError)."""
    current = sys.modules.get(MODULE_NAME)
    if getattr(current, "__file__", None) == module.__file__:
        return current
    sys.modules[MODULE_NAME] = module
    return module


def normalise_filters(filters, label: str, native=None) -> dict:
    """Turn the user's ``filters`` mapping into sets/dicts the matcher and the API calls use.

    ``native(key, value)`` returns the provider's API name for a key that is not one of
    FILTER_NAMES (or raises CloudInventoryError); those land in ``result["native"]`` and are
    left to the API (they are not re-checked on the results)."""
    if filters is not None and not isinstance(filters, dict):
        raise CloudInventoryError(f"{label}: filters must be a mapping", kind="config")
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(FILTER_NAMES))
    if unknown and native is None:
        raise CloudInventoryError(
            f"{label}: unknown filter(s) {', '.join(unknown)}; "
            "supported: status, tags, vpc_id, name",
            kind="config",
        )
    natives = {native(key, filters[key]): filters[key] for key in unknown}
    tags: dict[str, str | None] = {}
    raw_tags = filters.get("tags") or {}
    if isinstance(raw_tags, dict):
        items = list(raw_tags.items())
    else:
        items = []
        for entry in as_list(raw_tags):
            key, sep, value = str(entry).partition("=")
            items.append((key, value if sep else None))
    for key, value in items:
        tags[str(key)] = None if value in (None, "", "*") else str(value)
    status = as_list(filters.get("status")) + as_list(filters.get("state"))
    return {
        "status": {str(s).lower() for s in status},
        "tags": tags,
        "vpc_id": {str(v) for v in as_list(filters.get("vpc_id"))},
        "name": [str(n) for n in as_list(filters.get("name"))],
        "native": natives,
    }


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


def matching_records(batches, flt: dict) -> list[dict]:
    """The records of ``batches`` (one list per region) that match ``flt``, each instance once."""
    records: list[dict] = []
    seen: set[str] = set()
    for batch in batches:
        for record in batch:
            if record["cloud_instance_id"] in seen or not record_matches(record, flt):
                continue
            seen.add(record["cloud_instance_id"])
            records.append(record)
    return records


def pick_address(record: dict, address: str) -> str | None:
    chosen = {
        "private_ip": record["cloud_private_ip"],
        "public_ip": record["cloud_public_ip"],
        "hostname": record["cloud_hostname"],
    }.get(address)
    return chosen or record["cloud_private_ip"] or record["cloud_public_ip"]


def pick_hostname(record: dict, preferences, label: str) -> str:
    for preference in as_list(preferences):
        if preference not in HOSTNAME_SOURCES:
            raise CloudInventoryError(
                f"{label}: unknown hostnames entry {preference!r}; "
                f"use one of {', '.join(HOSTNAME_SOURCES)}",
                kind="config",
            )
        value = record.get(HOSTNAME_SOURCES[preference])
        if value:
            return str(value)
    return str(record["cloud_instance_id"])


# ---------------------------------------------------------------------------------------------
# Ansible plugin
# ---------------------------------------------------------------------------------------------
class CloudInventoryPlugin(BaseInventoryPlugin, Constructable, Cacheable):
    """verify_file/parse of every opsjob.cloud plugin. A plugin's InventoryModule sets NAME
    (``opsjob.cloud.<short>``), GROUP (the short name: the group every host is put in), LABEL,
    OPTION_NAMES and ``fetch_instances``."""

    NAME = ""
    GROUP = ""
    LABEL = ""
    OPTION_NAMES: tuple[str, ...] = ()

    @staticmethod
    def fetch_instances(options: dict) -> list[dict]:
        raise NotImplementedError

    def accepted_names(self) -> tuple[str, ...]:
        """What ``plugin:`` may say: always the FQCN; the short name only when this plugin was
        not loaded from the collection (ANSIBLE_INVENTORY_PLUGINS, or a file loaded by path)."""
        load_name = str(getattr(self, "_load_name", "") or "")
        if load_name.startswith(COLLECTION + "."):
            return (self.NAME,)
        return (self.NAME, self.GROUP)

    def verify_file(self, path):
        if not super().verify_file(path) or not path.endswith(
            (f"{self.GROUP}.yml", f"{self.GROUP}.yaml")
        ):
            return False
        # never take a config meant for another plugin of the same short name (amazon.aws.aws_ec2)
        return config_plugin_name(path) in self.accepted_names()

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._redirected_names = list(self.accepted_names())
        self._read_config_data(path)
        options = {name: self.get_option(name) for name in self.OPTION_NAMES}
        records = self.cached_records(path, cache, lambda: self.fetch_instances(options))
        self._populate(records, options["hostnames"])

    def cached_records(self, path, cache, fetch):
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
            records = fetch()
        if update_cache:
            self._cache[cache_key] = records
        return records

    def add_record(self, host: str, variables: dict) -> None:
        """One host: its variables, then compose, groups and keyed_groups (``constructed``)."""
        strict = self.get_option("strict")
        self.inventory.add_host(host, group=self.GROUP)
        for key, value in variables.items():
            self.inventory.set_variable(host, key, value)
        host_vars = combine_vars(self.inventory.get_host(host).get_vars(), variables)
        self._set_composite_vars(self.get_option("compose"), host_vars, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), host_vars, host, strict=strict)
        self._add_host_to_keyed_groups(
            self.get_option("keyed_groups"), host_vars, host, strict=strict
        )

    def unique_host(self, host: str, record: dict, taken: set[str]) -> str:
        """``host``, or the instance id (with a warning) when another instance has that name."""
        if host in taken:
            self.display.warning(
                f"{self.GROUP}: host name {host!r} is used by more than one instance; "
                f"{record['cloud_instance_id']} is added under its instance id"
            )
            host = str(record["cloud_instance_id"])
        taken.add(host)
        return host

    def _populate(self, records, hostnames):
        self.inventory.add_group(self.GROUP)
        taken: set[str] = set()
        for record in records:
            host = pick_hostname(record, hostnames, self.LABEL)
            self.add_record(self.unique_host(host, record, taken), record)


def config_plugin_name(path: str) -> str:
    """The ``plugin:`` value of an inventory config file ("" when there is none)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(65536)
    except (OSError, UnicodeDecodeError):
        return ""
    found = re.search(r"^plugin:\s*['\"]?([\w.]+)['\"]?\s*(#.*)?$", text, re.MULTILINE)
    return found.group(1) if found else ""

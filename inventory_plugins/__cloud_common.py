# Copyright: OPS Job contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Code shared by the OPS Job cloud inventory plugins (aliyun_ecs, tencent_cvm, aws_ec2).

This file is not an inventory plugin. Its name starts with two underscores because Ansible
passes over such files when it lists plugins (``ansible-doc -l``); one underscore would make it
a "deprecated" plugin there. The plugins are no package, so each one loads this file by path
from its own directory (``_load_common()`` in the plugin) and keeps it in ``sys.modules`` under
``MODULE_NAME``: the three plugins and the hub share one copy, hence one CloudInventoryError.

Only the standard library and ansible are imported here.
"""

from __future__ import annotations

import fnmatch
import os
import re

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import combine_vars

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


def normalise_filters(filters, label: str) -> dict:
    """Turn the user's ``filters`` mapping into sets/dicts the matcher and the API calls use."""
    filters = dict(filters or {})
    unknown = set(filters) - set(FILTER_NAMES)
    if unknown:
        raise CloudInventoryError(
            f"{label}: unknown filter(s) {', '.join(sorted(unknown))}; "
            "supported: status, tags, vpc_id, name",
            kind="config",
        )
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
    """verify_file/parse of every OPS Job cloud plugin. A plugin's InventoryModule sets NAME
    (also the group every host is put in), LABEL, OPTION_NAMES and ``fetch_instances``."""

    NAME = ""
    LABEL = ""
    OPTION_NAMES: tuple[str, ...] = ()

    @staticmethod
    def fetch_instances(options: dict) -> list[dict]:
        raise NotImplementedError

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(
            (f"{self.NAME}.yml", f"{self.NAME}.yaml")
        )

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        options = {name: self.get_option(name) for name in self.OPTION_NAMES}

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
            records = self.fetch_instances(options)
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records, options["hostnames"])

    def _populate(self, records, hostnames):
        strict = self.get_option("strict")
        self.inventory.add_group(self.NAME)
        seen: set[str] = set()
        for record in records:
            host = pick_hostname(record, hostnames, self.LABEL)
            if host in seen:
                self.display.warning(
                    f"{self.NAME}: host name {host!r} is used by more than one instance; "
                    f"{record['cloud_instance_id']} is added under its instance id"
                )
                host = str(record["cloud_instance_id"])
            seen.add(host)
            self.inventory.add_host(host, group=self.NAME)
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

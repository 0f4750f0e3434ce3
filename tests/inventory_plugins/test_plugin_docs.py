"""The plugins' documentation, examples and lint status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.timeout(120)

PLUGINS = ("aliyun_ecs", "tencent_cvm", "aws_ec2")
PLUGIN_DIR = Path(__file__).resolve().parents[2] / "inventory_plugins"
VENV_BIN = Path(sys.executable).parent


COLLECTION_DIR = PLUGIN_DIR / "ansible_collections" / "opsjob" / "cloud"
# every option each plugin adds to the constructed / inventory_cache fragments
OWN_OPTIONS = {
    "aliyun_ecs": {
        "access_key", "secret_key", "security_token", "profile", "config_file", "ram_role_arn",
        "ram_role_session_name", "ram_role_duration", "sts_endpoint", "ecs_ram_role",
    },
    "tencent_cvm": {
        "secret_id", "secret_key", "session_token", "profile", "credentials_file", "role_arn",
        "role_session_name", "role_duration", "sts_endpoint",
    },
    "aws_ec2": {
        "access_key", "secret_key", "session_token", "profile", "region", "assume_role_arn",
        "include_filters", "exclude_filters", "allow_duplicated_hosts", "hostvars_prefix",
        "hostvars_suffix", "use_contrib_script_compatible_ec2_tag_keys",
        "use_contrib_script_compatible_sanitization", "strict_permissions", "endpoint_url",
    },
}  # fmt: skip


def _load(plugin: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"docs_{plugin}", PLUGIN_DIR / f"{plugin}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env(tmp_path, collections: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        ANSIBLE_CONFIG=str(tmp_path / "no-ansible.cfg"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_NOCOLOR="1",
    )
    if collections:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(PLUGIN_DIR)
        return env
    env.update(
        ANSIBLE_INVENTORY_PLUGINS=str(PLUGIN_DIR),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_NOCOLOR="1",
    )
    return env


def test_ansible_doc_reads_every_plugin(tmp_path):
    proc = subprocess.run(
        ["ansible-doc", "-t", "inventory", "--json", *PLUGINS],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    docs = json.loads(proc.stdout)
    assert sorted(docs) == sorted(PLUGINS)
    for name, doc in docs.items():
        options = doc["doc"]["options"]
        for option in (
            "plugin",
            "regions",
            "filters",
            "hostnames",
            "address",
            "page_size",
            "keyed_groups",
            "groups",
            "compose",
            "strict",
            "cache",
            "cache_plugin",
            "cache_timeout",
            "cache_connection",
        ):
            assert option in options, (name, option)
        assert options["plugin"]["choices"] == [f"opsjob.cloud.{name}", name]
        assert options["regions"]["type"] == "list"
        assert options["regions"]["default"] == ["all"]
        assert doc["examples"]
        for example in yaml.safe_load_all(doc["examples"]):
            assert example["plugin"] in (f"opsjob.cloud.{name}", name)
    aliyun = docs["aliyun_ecs"]["doc"]["options"]
    assert {"name": "CLOUD_ALIYUN_ACCESS_KEY"} in aliyun["access_key"]["env"]
    assert {"name": "CLOUD_ALIYUN_SECRET_KEY"} in aliyun["secret_key"]["env"]
    tencent = docs["tencent_cvm"]["doc"]["options"]
    assert {"name": "CLOUD_TENCENT_SECRET_ID"} in tencent["secret_id"]["env"]
    assert {"name": "CLOUD_TENCENT_SECRET_KEY"} in tencent["secret_key"]["env"]
    assert "endpoint" in aliyun and "endpoint" in tencent
    assert "endpoint_url" in docs["aws_ec2"]["doc"]["options"]

    text = subprocess.run(
        ["ansible-doc", "-t", "inventory", "aliyun_ecs"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert text.returncode == 0, text.stderr
    assert "Alibaba Cloud" in text.stdout


def test_ansible_doc_reads_the_collection_plugins_by_fqcn(tmp_path):
    names = [f"opsjob.cloud.{p}" for p in PLUGINS]
    proc = subprocess.run(
        ["ansible-doc", "-t", "inventory", "--json", *names],
        env=_env(tmp_path, collections=True),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    docs = json.loads(proc.stdout)
    assert sorted(docs) == sorted(names)
    for plugin in PLUGINS:
        doc = docs[f"opsjob.cloud.{plugin}"]["doc"]
        assert doc["collection"] == "opsjob.cloud"
        assert OWN_OPTIONS[plugin] <= set(doc["options"]), plugin
        # ansible-doc lists every option the plugin reads
        assert set(_load(plugin).OPTION_DEFAULTS) <= set(doc["options"]), plugin
        assert doc["options"]["plugin"]["choices"][0] == f"opsjob.cloud.{plugin}"
        for example in yaml.safe_load_all(docs[f"opsjob.cloud.{plugin}"]["examples"]):
            assert example["plugin"] == f"opsjob.cloud.{plugin}"
    for plugin in PLUGINS:
        text = subprocess.run(
            ["ansible-doc", "-t", "inventory", f"opsjob.cloud.{plugin}"],
            env=_env(tmp_path, collections=True),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert text.returncode == 0, text.stderr
        assert f"opsjob.cloud.{plugin}" in text.stdout
    listing = subprocess.run(
        ["ansible-doc", "-t", "inventory", "-l", "opsjob.cloud"],
        env=_env(tmp_path, collections=True),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sorted(line.split()[0] for line in listing.stdout.splitlines() if line) == sorted(names)


def test_collection_metadata(tmp_path):
    built = subprocess.run(
        [
            "ansible-galaxy",
            "collection",
            "build",
            str(COLLECTION_DIR),
            "--output-path",
            str(tmp_path),
        ],
        env=_env(tmp_path, collections=True),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, built.stderr
    (archive,) = tmp_path.glob("opsjob-cloud-*.tar.gz")
    with tarfile.open(archive) as tar:
        members = set(tar.getnames())
    assert {f"plugins/inventory/{p}.py" for p in PLUGINS} <= members
    assert "plugins/module_utils/cloud_common.py" in members
    galaxy = yaml.safe_load((COLLECTION_DIR / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("opsjob", "cloud")
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert galaxy["repository"].startswith("https://github.com/")
    runtime = yaml.safe_load((COLLECTION_DIR / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"] == ">=2.15.0"
    for plugin in PLUGINS:
        # one source of truth: the loose files are links to the collection's plugins
        loose = PLUGIN_DIR / f"{plugin}.py"
        assert loose.is_symlink()
        assert loose.resolve() == COLLECTION_DIR / "plugins" / "inventory" / f"{plugin}.py"


def test_ansible_lint_passes(tmp_path):
    # lint a copy so ansible-lint's cache directories do not land in the repository
    shutil.copytree(PLUGIN_DIR, tmp_path / "inventory_plugins")
    proc = subprocess.run(
        ["ansible-lint", "--offline", "inventory_plugins"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", sorted((PLUGIN_DIR / "examples").glob("*.yml")), ids=str)
def test_examples_are_configs_of_their_plugin(path):
    config = yaml.safe_load(path.read_text())
    plugin = path.name.split(".")[-2]
    assert plugin in PLUGINS
    assert config["plugin"] == f"opsjob.cloud.{plugin}"
    module = _load(plugin)
    assert module.InventoryModule().verify_file(str(path))
    # every option used by an example is documented
    documented = set(yaml.safe_load(module.DOCUMENTATION)["options"]) | {
        "keyed_groups",
        "groups",
        "compose",
        "strict",
        "cache",
        "cache_plugin",
        "cache_timeout",
        "cache_connection",
        "cache_prefix",
        "leading_separator",
        "use_extra_vars",
    }
    assert set(config) <= documented
    if "filters" in config:
        module.normalise_filters(config["filters"])  # raises on unknown filter names

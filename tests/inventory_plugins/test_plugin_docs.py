"""The plugins' documentation, examples and lint status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.timeout(120)

PLUGINS = ("aliyun_ecs", "tencent_cvm", "aws_ec2")
PLUGIN_DIR = Path(__file__).resolve().parents[2] / "inventory_plugins"
VENV_BIN = Path(sys.executable).parent


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        ANSIBLE_CONFIG=str(tmp_path / "no-ansible.cfg"),
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
        assert options["plugin"]["choices"] == [name]
        assert options["regions"]["type"] == "list"
        assert options["regions"]["default"] == ["all"]
        assert doc["examples"]
        for example in yaml.safe_load_all(doc["examples"]):
            assert example["plugin"] == name
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
    assert config["plugin"] == plugin
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"docs_{plugin}", PLUGIN_DIR / f"{plugin}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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

"""The opsjob.cloud inventory plugins (settings.INVENTORY_PLUGINS_DIR/ansible_collections/
opsjob/cloud), loaded by file path (they are Ansible content, never imported as a package;
``inventory_plugins/<plugin>.py`` are links to the same files), and the options the hub gives
them. The hub calls their ``fetch_instances()``, so no Ansible plugin name is resolved here."""

from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

from django.conf import settings

from hub.inventory.cloud.choices import CloudErrorKind, CloudProvider

COLLECTION_PLUGINS = "ansible_collections/opsjob/cloud/plugins/inventory"
PLUGIN_FILES = {
    CloudProvider.ALIYUN: f"{COLLECTION_PLUGINS}/aliyun_ecs.py",
    CloudProvider.TENCENT: f"{COLLECTION_PLUGINS}/tencent_cvm.py",
    CloudProvider.AWS: f"{COLLECTION_PLUGINS}/aws_ec2.py",
}
# The standard environment variables a provider's credentials come from without an account.
ENV_CREDENTIALS = {
    CloudProvider.ALIYUN: ("CLOUD_ALIYUN_ACCESS_KEY", "CLOUD_ALIYUN_SECRET_KEY"),
    CloudProvider.TENCENT: ("CLOUD_TENCENT_SECRET_ID", "CLOUD_TENCENT_SECRET_KEY"),
}
_lock = threading.Lock()


class CloudError(Exception):
    """A plugin's CloudInventoryError (or anything else) reduced to what the sync records."""

    def __init__(self, kind: str, code: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message


def load_plugin(provider: str) -> ModuleType:
    """The plugin module for provider, executed once per process from its file."""
    path = settings.INVENTORY_PLUGINS_DIR / PLUGIN_FILES[CloudProvider(provider)]
    name = f"opsjob_cloud_plugin_{provider}"
    with _lock:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None) == str(path):
            return module
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise CloudError(CloudErrorKind.CONFIG, "", f"No inventory plugin at {path}.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module


def env_credentials(provider: str) -> dict[str, str]:
    """access_key/secret_key from the hub's settings; AWS uses boto3's own chain instead."""
    names = ENV_CREDENTIALS.get(CloudProvider(provider))
    if names is None:
        return {}
    key, secret = (getattr(settings, n, "") for n in names)
    return {"access_key": key, "secret_key": secret} if key and secret else {}


def env_credentials_missing(provider: str) -> str:
    """Why a sync without a cloud account cannot authenticate, or "" when it may."""
    names = ENV_CREDENTIALS.get(CloudProvider(provider))
    if names is None or env_credentials(provider):
        return ""
    return f"The hub has no {' / '.join(names)} configured; give a cloud_account_id."


def to_cloud_error(exc: BaseException, *, secrets: tuple[str, ...] = ()) -> CloudError:
    """A CloudInventoryError keeps its kind and code; anything else is an internal error.
    Secrets are blanked out of the message in case an SDK echoed one."""
    kind = getattr(exc, "kind", None)
    code = str(getattr(exc, "code", None) or "")
    if kind not in CloudErrorKind.values or kind == CloudErrorKind.INTERNAL:
        kind, message = CloudErrorKind.INTERNAL, f"{type(exc).__name__}: {exc}"
    else:
        message = str(getattr(exc, "message", None) or exc)
    for secret in secrets:
        if secret:
            message = message.replace(secret, "********")
    return CloudError(str(kind), code[:128], message[:4000])


def check_filters(provider: str, filters: dict[str, Any]) -> str:
    """The plugin's complaint about filters, or "" when it accepts them."""
    plugin = load_plugin(provider)
    try:
        plugin.normalise_filters(filters)
    except plugin.CloudInventoryError as exc:
        return str(getattr(exc, "message", None) or exc)
    return ""

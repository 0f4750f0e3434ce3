"""Cloud sync workflows: cloud accounts (with their periodic sync), sync requests, the run.

Every write is atomic and audited; the Celery task is enqueued after commit. A sync run is a
row with a status machine: `run_cloud_sync` records start, finish and failure around the
plugin call and the host upsert.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from rest_framework.serializers import BaseSerializer

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core import outbound
from hub.core import services as core_services
from hub.inventory.cloud.choices import (
    FINISHED_SYNC_STATUSES,
    CloudErrorKind,
    CloudSyncStatus,
    CloudSyncTrigger,
)
from hub.inventory.cloud.plugins import CloudError, env_credentials, load_plugin, to_cloud_error
from hub.inventory.cloud.upsert import SyncContext, upsert_cloud_hosts
from hub.inventory.models import Account, CloudAccount, CloudSync, HostGroup

logger = logging.getLogger(__name__)

SYNC_ACCOUNT_TASK = "inventory.sync_cloud_account"
# Options the hub always passes: bounded waits so an unreachable endpoint fails in seconds.
SYNC_OPTIONS = {"timeout": 30, "max_retries": 2, "address": "private_ip"}
CHECK_OPTIONS = {"timeout": 10, "max_retries": 0}
ERROR_TITLES = {
    CloudErrorKind.AUTH: "Authentication failed",
    CloudErrorKind.ENDPOINT: "Endpoint unreachable",
    CloudErrorKind.CONFIG: "Bad configuration",
    CloudErrorKind.API: "Provider API error",
    CloudErrorKind.INTERNAL: "Internal error",
}


# ---------------------------------------------------------------------------------------------
# cloud accounts
# ---------------------------------------------------------------------------------------------
def create_cloud_account(*, actor: Any, serializer: BaseSerializer) -> CloudAccount:
    with transaction.atomic():
        cloud_account = core_services.create_object(actor=actor, serializer=serializer)
        assert isinstance(cloud_account, CloudAccount)
        _keep_periodic_task(cloud_account)
    return cloud_account


def update_cloud_account(*, actor: Any, serializer: BaseSerializer) -> CloudAccount:
    with transaction.atomic():
        cloud_account = core_services.update_object(actor=actor, serializer=serializer)
        assert isinstance(cloud_account, CloudAccount)
        _keep_periodic_task(cloud_account)
    return cloud_account


def delete_cloud_account(*, actor: Any, cloud_account: CloudAccount) -> None:
    with transaction.atomic():
        task = cloud_account.periodic_task
        core_services.delete_object(actor=actor, obj=cloud_account)
        if task is not None:
            task.delete()


def _keep_periodic_task(cloud_account: CloudAccount) -> None:
    """The beat entry of a cloud account follows its sync_interval (0 = none)."""
    task = cloud_account.periodic_task
    if not cloud_account.sync_interval:
        if task is not None:
            cloud_account.periodic_task = None
            cloud_account.save(update_fields=["periodic_task", "updated_at"])
            task.delete()
        return
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=cloud_account.sync_interval, period=IntervalSchedule.MINUTES
    )
    task = task or PeriodicTask(name=f"cloud-sync:{cloud_account.pk}", task=SYNC_ACCOUNT_TASK)
    task.interval = interval
    task.args = json.dumps([cloud_account.pk])
    task.enabled = True
    task.description = f"Periodic cloud sync of {cloud_account.name}"
    task.save()
    if cloud_account.periodic_task_id != task.pk:
        cloud_account.periodic_task = task
        cloud_account.save(update_fields=["periodic_task", "updated_at"])


def check_cloud_account(*, cloud_account: CloudAccount) -> dict[str, Any]:
    """One cheap call (DescribeRegions): are the credentials and the endpoint good?"""
    plugin = load_plugin(cloud_account.provider)
    try:
        options = {**_account_options(cloud_account), **CHECK_OPTIONS, "regions": ["all"]}
        regions = list(plugin.list_regions(plugin.resolve_options(options)))
    except Exception as exc:
        error = to_cloud_error(exc, secrets=(cloud_account.secret,))
        return {
            "ok": False,
            "error_kind": error.kind,
            "error_code": error.code,
            "message": f"{ERROR_TITLES[CloudErrorKind(error.kind)]}: {error.message}",
            "regions": [],
        }
    return {
        "ok": True,
        "error_kind": "",
        "error_code": "",
        "regions": regions,
        "message": f"Credentials accepted; {len(regions)} region(s) available.",
    }


def _account_options(cloud_account: CloudAccount) -> dict[str, Any]:
    options: dict[str, Any] = {
        "access_key": cloud_account.access_key_id,
        "secret_key": cloud_account.secret,
    }
    if cloud_account.endpoint:
        options["endpoint"] = _allowed_endpoint(cloud_account.endpoint)
    return options


def _allowed_endpoint(endpoint: str) -> str:
    """The endpoint if the outbound policy allows it now (a name may resolve elsewhere
    than at save time); the SDK resolves it again when it connects (see README)."""
    try:
        outbound.check_endpoint(endpoint)
    except outbound.OutboundRefused as exc:
        raise CloudError(CloudErrorKind.CONFIG, "outbound_refused", exc.message) from exc
    return endpoint


# ---------------------------------------------------------------------------------------------
# sync requests
# ---------------------------------------------------------------------------------------------
def request_cloud_sync(
    *,
    actor: Any,
    provider: str,
    cloud_account: CloudAccount | None = None,
    regions: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    account: Account | None = None,
    group: HostGroup | None = None,
    trigger: str = CloudSyncTrigger.MANUAL,
) -> CloudSync:
    """A pending CloudSync row; its task is enqueued once the row is committed."""
    from hub.inventory.tasks import sync_cloud_hosts_task

    defaults = cloud_account
    request = {
        "provider": provider,
        "cloud_account_id": cloud_account.pk if cloud_account else None,
        "regions": regions or (defaults.regions if defaults else None) or ["all"],
        "filters": filters if filters is not None else (defaults.filters if defaults else {}),
        "account_id": account.pk if account else (defaults.account_id if defaults else None),
        "group_id": group.pk if group else (defaults.group_id if defaults else None),
    }
    with transaction.atomic():
        sync = CloudSync.objects.create(
            cloud_account=cloud_account,
            provider=provider,
            trigger=trigger,
            request=request,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.SYNC,
            obj=sync,
            detail={"request": request, "trigger": trigger},
        )
        sync_cloud_hosts_task.delay_on_commit(sync.pk)
    return sync


def request_scheduled_cloud_sync(*, cloud_account_id: int) -> CloudSync | None:
    """The beat's periodic sync of a cloud account, as its owner; skipped while one runs."""
    cloud_account = CloudAccount.objects.filter(pk=cloud_account_id).first()
    if cloud_account is None or not cloud_account.sync_interval:
        return None
    recent = timezone.now() - timedelta(hours=1)  # older unfinished rows: a lost worker
    if (
        cloud_account.syncs.exclude(status__in=FINISHED_SYNC_STATUSES)
        .filter(created_at__gte=recent)
        .exists()
    ):
        return None
    return request_cloud_sync(
        actor=cloud_account.created_by,
        provider=cloud_account.provider,
        cloud_account=cloud_account,
        trigger=CloudSyncTrigger.SCHEDULE,
    )


def wait_for_cloud_sync(*, sync: CloudSync, timeout: float) -> CloudSync:
    """The sync as it is once finished, or after timeout seconds (polling the row)."""
    deadline = time.monotonic() + timeout
    while not sync.finished and time.monotonic() < deadline:
        time.sleep(0.2)
        sync.refresh_from_db()
    return sync


# ---------------------------------------------------------------------------------------------
# the run (called by the Celery task)
# ---------------------------------------------------------------------------------------------
def run_cloud_sync(*, sync_id: int, task_id: str = "") -> str:
    """pending -> running -> success | failed; a sync not pending any more is left alone
    (a redelivered task does not run it twice)."""
    sync = _start_sync(sync_id, task_id)
    if sync is None:
        return "skipped"
    try:
        summary = _perform_sync(sync)
    except CloudError as exc:
        return _finish_sync(sync, error=exc)
    except Exception as exc:
        logger.exception("cloud sync %s failed", sync_id)
        return _finish_sync(sync, error=to_cloud_error(exc, secrets=_secrets_of(sync)))
    return _finish_sync(sync, summary=summary)


def _start_sync(sync_id: int, task_id: str) -> CloudSync | None:
    with transaction.atomic():
        sync = (
            CloudSync.objects.select_for_update(of=("self",))
            .select_related("cloud_account")
            .filter(pk=sync_id)
            .first()
        )
        if sync is None or sync.status != CloudSyncStatus.PENDING:
            return None
        sync.status = CloudSyncStatus.RUNNING
        sync.started_at = timezone.now()
        sync.task_id = task_id[:64]
        sync.save(update_fields=["status", "started_at", "task_id", "updated_at"])
    return sync


def _finish_sync(
    sync: CloudSync, *, summary: dict[str, Any] | None = None, error: CloudError | None = None
) -> str:
    with transaction.atomic():
        sync.finished_at = timezone.now()
        if error is None:
            sync.status, sync.summary = CloudSyncStatus.SUCCESS, summary or {}
        else:
            title = ERROR_TITLES[CloudErrorKind(error.kind)]
            sync.status = CloudSyncStatus.FAILED
            sync.error, sync.error_kind, sync.error_code = (
                f"{title}: {error.message}",
                error.kind,
                error.code,
            )
            sync.summary = {
                "created": 0,
                "updated": 0,
                "marked_missing": 0,
                "unchanged": 0,
                "errors": [{"error": sync.error}],
            }
        sync.save(
            update_fields=[
                "status",
                "summary",
                "error",
                "error_kind",
                "error_code",
                "finished_at",
                "updated_at",
            ]
        )
        record_audit_event(
            actor=sync.created_by,
            action=AuditAction.SYNC,
            obj=sync,
            detail={"status": sync.status, "summary": sync.summary},
        )
    return str(sync.status)


# A sync task is killed after SYNC_TIME_LIMIT seconds (see hub.inventory.tasks); a row still
# running well past that, or pending for an hour, lost its worker or its queued message.
SYNC_TIME_LIMIT = 1800
LOST_RUNNING_AFTER = timedelta(seconds=SYNC_TIME_LIMIT + 300)
LOST_PENDING_AFTER = timedelta(hours=1)


def recover_lost_cloud_syncs() -> list[int]:
    """Fail the syncs no worker will ever finish, with a message saying so (hosts already
    upserted stay: each upsert commits on its own)."""
    now = timezone.now()
    lost = list(
        CloudSync.objects.filter(
            Q(status=CloudSyncStatus.RUNNING, started_at__lt=now - LOST_RUNNING_AFTER)
            | Q(status=CloudSyncStatus.PENDING, created_at__lt=now - LOST_PENDING_AFTER)
        ).values_list("pk", flat=True)
    )
    recovered = []
    for sync_id in lost:
        with transaction.atomic():
            sync = (
                CloudSync.objects.select_for_update(of=("self",))
                .select_related("cloud_account")
                .filter(pk=sync_id)
                .first()
            )
            if sync is None or sync.status in FINISHED_SYNC_STATUSES:
                continue
            what = (
                "its worker was lost while it ran"
                if sync.status == CloudSyncStatus.RUNNING
                else "no worker picked it up within an hour"
            )
            _finish_sync(
                sync,
                error=CloudError(
                    CloudErrorKind.INTERNAL, "lost", f"The sync did not finish: {what}."
                ),
            )
        recovered.append(sync_id)
    return recovered


def _secrets_of(sync: CloudSync) -> tuple[str, ...]:
    return (sync.cloud_account.secret,) if sync.cloud_account else ()


def _plugin_options(sync: CloudSync) -> dict[str, Any]:
    credentials = (
        _account_options(sync.cloud_account)
        if sync.cloud_account
        else env_credentials(sync.provider)
    )
    return {
        **credentials,
        **SYNC_OPTIONS,
        "regions": sync.request.get("regions") or ["all"],
        "filters": sync.request.get("filters") or {},
    }


def _perform_sync(sync: CloudSync) -> dict[str, Any]:
    plugin = load_plugin(sync.provider)
    options = _plugin_options(sync)
    try:
        regions = list(plugin.list_regions(plugin.resolve_options(options)))
        records = plugin.fetch_instances({**options, "regions": regions})
        flt = plugin.normalise_filters(options["filters"])
    except Exception as exc:
        raise to_cloud_error(exc, secrets=_secrets_of(sync)) from exc

    def in_scope(record: dict[str, Any]) -> bool:
        # provider-native filters (ZoneId, instance-type, ...) are applied by the API only and
        # cannot be checked on a stored record: such a sync marks nothing missing
        if flt.get("native"):
            return False
        return bool(plugin.record_matches({**EMPTY_RECORD, **record}, flt))

    ctx = SyncContext(
        sync=sync,
        actor=sync.created_by,
        taken_names=set(),
        account=_existing(Account, sync.request.get("account_id")),
        group=_existing(HostGroup, sync.request.get("group_id")),
    )
    summary = upsert_cloud_hosts(ctx=ctx, records=records, regions=regions, in_scope=in_scope)
    return {**summary, "total": len(records), "regions": regions}


EMPTY_RECORD: dict[str, Any] = {
    "cloud_status": "",
    "cloud_state": "",
    "cloud_vpc_id": None,
    "cloud_instance_name": "",
    "cloud_tags": {},
}


def _existing(model: type[Account] | type[HostGroup], pk: int | None) -> Any:
    """The request's account/group if it still exists (access was checked at request time)."""
    return model._default_manager.filter(pk=pk).first() if pk else None

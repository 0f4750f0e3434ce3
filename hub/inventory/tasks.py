"""Celery entry points of the inventory (thin: load, call one service)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from hub.inventory.cloud import services as cloud_services


@shared_task(
    name="inventory.sync_cloud_hosts", bind=True, time_limit=cloud_services.SYNC_TIME_LIMIT
)
def sync_cloud_hosts_task(self: Any, sync_id: int) -> str:
    return cloud_services.run_cloud_sync(sync_id=sync_id, task_id=self.request.id or "")


@shared_task(name="inventory.sync_cloud_account")
def sync_cloud_account_task(cloud_account_id: int) -> int | None:
    sync = cloud_services.request_scheduled_cloud_sync(cloud_account_id=cloud_account_id)
    return sync.pk if sync is not None else None


@shared_task(name="inventory.recover_cloud_syncs")
def recover_cloud_syncs_task() -> list[int]:
    return cloud_services.recover_lost_cloud_syncs()

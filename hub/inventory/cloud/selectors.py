"""Reads for cloud sync: what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from hub.core.permissions import object_permissions_enabled, objects_for
from hub.inventory.models import CloudAccount, CloudSync


def cloud_account_list_for(user: Any) -> QuerySet[CloudAccount]:
    """The cloud accounts user may view, each with its latest sync's id/status/finish."""
    latest = CloudSync.objects.filter(cloud_account=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        objects_for(user, CloudAccount, "view")
        .select_related("account", "group")
        .annotate(
            last_sync_id=Subquery(latest.values("pk")[:1]),
            last_sync_status=Subquery(latest.values("status")[:1]),
            last_sync_finished_at=Subquery(latest.values("finished_at")[:1]),
        )
    )


def cloud_sync_list_for(user: Any) -> QuerySet[CloudSync]:
    """Syncs user started, plus every sync of a cloud account user may view."""
    queryset = CloudSync.objects.select_related("cloud_account", "created_by")
    if getattr(user, "is_superuser", False) or not object_permissions_enabled():
        return queryset
    visible = objects_for(user, CloudAccount, "view").values("pk")
    return queryset.filter(Q(created_by=user) | Q(cloud_account__in=visible))

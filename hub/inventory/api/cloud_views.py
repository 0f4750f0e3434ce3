"""Cloud accounts (CRUD + credential check), sync records, and the sync endpoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.exceptions import DomainError, NotAllowed
from hub.core.permissions import user_can
from hub.core.viewsets import HubModelViewSet
from hub.inventory.api.cloud_serializers import (
    CloudAccountCheckSerializer,
    CloudAccountSerializer,
    CloudSyncRequestSerializer,
    CloudSyncSerializer,
    CloudSyncWaitSerializer,
)
from hub.inventory.cloud import services
from hub.inventory.cloud.plugins import env_credentials_missing
from hub.inventory.cloud.selectors import cloud_account_list_for, cloud_sync_list_for
from hub.inventory.models import CloudAccount, CloudSync


class CloudAccountViewSet(HubModelViewSet[CloudAccount]):
    model = CloudAccount
    serializer_class = CloudAccountSerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "provider", "created_at"]
    filterset_fields = ["provider"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return CloudAccount.objects.none()
        return cloud_account_list_for(self.request.user).order_by("name")

    def perform_create(self, serializer: Any) -> None:
        services.create_cloud_account(actor=self.request.user, serializer=serializer)

    def perform_update(self, serializer: Any) -> None:
        services.update_cloud_account(actor=self.request.user, serializer=serializer)

    def perform_destroy(self, instance: Any) -> None:
        services.delete_cloud_account(actor=self.request.user, cloud_account=instance)

    @extend_schema(request=None, responses=CloudAccountCheckSerializer)
    @action(detail=True, methods=["post"], required_action="execute")
    def test(self, request: Request, pk: str) -> Response:
        result = services.check_cloud_account(cloud_account=self.get_object())
        return Response(CloudAccountCheckSerializer(result).data)


class CloudSyncViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CloudSyncSerializer
    permission_classes = [IsAuthenticated]  # visibility is the queryset's (selector) job
    filterset_fields = ["status", "provider", "trigger", "cloud_account"]
    ordering_fields = ["created_at", "finished_at", "status"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return CloudSync.objects.none()
        return cloud_sync_list_for(self.request.user)


class SyncCloudHostsView(APIView):
    """POST /api/hosts/sync_cloud_hosts/[?wait=N]: start a sync; with wait, its result."""

    @extend_schema(
        request=CloudSyncRequestSerializer,
        responses={201: CloudSyncSerializer},
        parameters=[
            OpenApiParameter(
                "wait",
                int,
                description=("Seconds (0-120) to wait for the sync to finish before answering."),
            )
        ],
    )
    def post(self, request: Request) -> Response:
        wait = CloudSyncWaitSerializer(data=request.query_params)
        wait.is_valid(raise_exception=True)
        data = CloudSyncRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        _check_may_sync(request.user, values)
        sync = services.request_cloud_sync(
            actor=request.user,
            provider=values["provider"],
            cloud_account=values.get("cloud_account_id"),
            regions=values.get("regions"),
            filters=values.get("filters"),
            account=values.get("account_id"),
            group=values.get("group_id"),
        )
        sync = services.wait_for_cloud_sync(sync=sync, timeout=wait.validated_data["wait"])
        return Response(CloudSyncSerializer(sync).data, status=201)


def _check_may_sync(user: Any, values: dict[str, Any]) -> None:
    """Syncing uses a cloud account (execute on it) or the hub's own credentials (staff)."""
    cloud_account = values.get("cloud_account_id")
    if cloud_account is not None:
        if not user_can(user, cloud_account, "execute"):
            raise NotAllowed("You may not sync from this cloud account.", field="cloud_account_id")
        return
    if not (user.is_staff or user.is_superuser):
        raise NotAllowed(
            "Only administrators may sync with the hub's own cloud credentials; "
            "give a cloud_account_id.",
            field="cloud_account_id",
        )
    if problem := env_credentials_missing(values["provider"]):
        raise DomainError(problem, field="cloud_account_id")

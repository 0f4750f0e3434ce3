from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hub.core.viewsets import HubModelViewSet
from hub.inventory import services
from hub.inventory.api.filters import HostFilter, HostGroupFilter
from hub.inventory.api.serializers import (
    AccountSerializer,
    BulkDeleteResultSerializer,
    BulkIdsSerializer,
    BulkImportSerializer,
    BulkUpdateResultSerializer,
    BulkUpdateSerializer,
    HostGroupSerializer,
    HostGroupTreeSerializer,
    HostSerializer,
    ImportResultSerializer,
)
from hub.inventory.models import Account, Host, HostGroup


class AccountViewSet(HubModelViewSet[Account]):
    model = Account
    serializer_class = AccountSerializer
    search_fields = ["name", "username", "description"]
    ordering_fields = ["name", "username", "created_at"]
    filterset_fields = ["auth_type", "become"]
    lookup_value_regex = r"\d+"


class HostGroupViewSet(HubModelViewSet[HostGroup]):
    model = HostGroup
    serializer_class = HostGroupSerializer
    filterset_class = HostGroupFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(host_count=Count("hosts", distinct=True))

    @extend_schema(responses=HostGroupTreeSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def tree(self, request: Request) -> Response:
        groups = list(self.filter_queryset(self.get_queryset()).order_by("name"))
        checker = self.perm_checker()
        if groups and checker is not None and not request.user.is_superuser:
            # guardian annotates `objects: QuerySet` but accepts any list of instances.
            checker.prefetch_perms(groups)  # type: ignore[arg-type]
        rows = HostGroupSerializer(groups, many=True, context=self.get_serializer_context()).data
        nodes = {row["id"]: {**row, "children": []} for row in rows}
        roots: list[dict[str, Any]] = []
        for group in groups:
            parent = nodes.get(group.parent_id) if group.parent_id else None
            (parent["children"] if parent else roots).append(nodes[group.pk])
        return Response(roots)


class HostViewSet(HubModelViewSet[Host]):
    model = Host
    serializer_class = HostSerializer
    filterset_class = HostFilter
    search_fields = ["name", "ip_address", "description"]
    ordering_fields = ["name", "ip_address", "status", "created_at", "last_checked_at"]
    list_select_related = ("account",)
    list_prefetch_related = ("groups",)
    lookup_value_regex = r"\d+"

    @extend_schema(request=BulkImportSerializer, responses=ImportResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk_import(self, request: Request) -> Response:
        data = BulkImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.import_hosts(
            actor=request.user,
            request=request,
            fmt=data.validated_data["format"],
            text=data.validated_data["text"],
        )
        return Response(result, status=201)

    @extend_schema(request=BulkUpdateSerializer, responses=BulkUpdateResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk_update(self, request: Request) -> Response:
        data = BulkUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        count = services.bulk_update_hosts(
            actor=request.user, ids=changes.pop("ids"), changes=changes
        )
        return Response({"updated": count})

    @extend_schema(request=BulkIdsSerializer, responses=BulkDeleteResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk_delete(self, request: Request) -> Response:
        data = BulkIdsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            {
                "deleted": services.bulk_delete_hosts(
                    actor=request.user, ids=data.validated_data["ids"]
                )
            }
        )

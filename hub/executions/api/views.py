from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from hub.core.permissions import ObjectPermission
from hub.executions.api.filters import ExecutionFilter
from hub.executions.api.serializers import ExecutionDetailSerializer, ExecutionListSerializer
from hub.executions.models import Execution
from hub.executions.selectors import execution_list_for


class ExecutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Execution records: who ran what, where, when, and how it went per step and host."""

    permission_classes = [IsAuthenticated, ObjectPermission]
    filterset_class = ExecutionFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "started_at", "finished_at", "status", "id"]
    lookup_value_regex = r"\d+"
    required_action: str | None = None

    def get_queryset(self) -> QuerySet[Execution]:
        queryset = execution_list_for(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("steps__hosts")
        return queryset.order_by("-created_at", "-id")

    def get_serializer_class(self) -> type:
        return ExecutionDetailSerializer if self.action == "retrieve" else ExecutionListSerializer

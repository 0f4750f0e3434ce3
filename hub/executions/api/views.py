from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from hub.core.exceptions import DomainError
from hub.core.permissions import ObjectPermission
from hub.executions import logfiles, services
from hub.executions.api.filters import ExecutionFilter
from hub.executions.api.launch_serializers import LaunchResultSerializer
from hub.executions.api.serializers import (
    EventPageSerializer,
    EventQuerySerializer,
    ExecutionDetailSerializer,
    ExecutionListSerializer,
    LogQuerySerializer,
    LogSliceSerializer,
)
from hub.executions.choices import FINISHED_STATUSES, EventKind
from hub.executions.models import Execution
from hub.executions.realtime.feed import stored_events
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
        if getattr(self, "swagger_fake_view", False):
            return Execution.objects.none()
        queryset = execution_list_for(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("steps__hosts")
        return queryset.order_by("-created_at", "-id")

    def get_serializer_class(self) -> type:
        return ExecutionDetailSerializer if self.action == "retrieve" else ExecutionListSerializer

    def _control(self, request: Request, verb: str) -> Response:
        execution = services.control_execution(
            actor=request.user, execution=self.get_object(), action=verb
        )
        return Response(ExecutionListSerializer(execution).data)

    @extend_schema(request=None, responses=ExecutionListSerializer)
    @action(detail=True, methods=["post"], required_action="execute")
    def stop(self, request: Request, pk: str) -> Response:
        return self._control(request, "stop")

    @extend_schema(request=None, responses=ExecutionListSerializer)
    @action(detail=True, methods=["post"], required_action="execute")
    def pause(self, request: Request, pk: str) -> Response:
        return self._control(request, "pause")

    @extend_schema(request=None, responses=ExecutionListSerializer)
    @action(detail=True, methods=["post"], required_action="execute")
    def resume(self, request: Request, pk: str) -> Response:
        return self._control(request, "resume")

    @extend_schema(request=None, responses={201: LaunchResultSerializer})
    @action(detail=True, methods=["post"], required_action="execute")
    def retry_failed(self, request: Request, pk: str) -> Response:
        execution = services.retry_failed(actor=request.user, execution=self.get_object())
        return Response({"execution_id": execution.pk, "status": execution.status}, status=201)

    @extend_schema(parameters=[EventQuerySerializer], responses=EventPageSerializer)
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        """The run's stored events after seq `since`, oldest first: the live feed for
        clients that poll (the WebSocket and SSE send the same events as they happen)."""
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        execution = self.get_object()
        since, limit = query.validated_data["since"], query.validated_data["limit"]
        events = stored_events(execution.pk, since, limit=limit)
        page = {
            "events": events,
            "next_since": events[-1]["seq"] if events else since,
            "complete": bool(events) and events[-1]["kind"] == EventKind.END,
        }
        if not events and execution.status in FINISHED_STATUSES:  # at or past the end already
            page["complete"] = execution.events.filter(kind=EventKind.END, seq__lte=since).exists()
        return Response(page)  # the feed's own dicts: a field a kind lacks stays absent

    @extend_schema(parameters=[LogQuerySerializer], responses=LogSliceSerializer)
    @action(detail=True, methods=["get"])
    def logs(self, request: Request, pk: str) -> Response:
        execution = self.get_object()
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        host = self._host(execution, query.validated_data["host"])
        text, next_offset, size = logfiles.read_slice(
            execution.pk, host, query.validated_data["offset"], query.validated_data["limit"]
        )
        return Response(
            {
                "host": host,
                "offset": query.validated_data["offset"],
                "next_offset": next_offset,
                "size": size,
                "text": text,
                "complete": next_offset >= size,
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("host", str, required=True, description="A target host.")],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.BINARY, description="Log file.")
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> HttpResponseBase:
        execution = self.get_object()
        host = self._host(execution, request.query_params.get("host", ""))
        path = logfiles.log_path(execution.pk, host)
        if not path.exists():
            return HttpResponse("", content_type="text/plain; charset=utf-8")
        response = FileResponse(path.open("rb"), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="execution-{execution.pk}-{path.name}"'
        )
        return response

    def _host(self, execution: Execution, host: Any) -> str:
        names = {t["name"] for t in execution.targets}
        if host not in names:
            raise DomainError("Not a target host of this execution.", field="host")
        return str(host)

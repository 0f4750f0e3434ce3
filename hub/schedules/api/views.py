from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hub.core.viewsets import HubModelViewSet
from hub.schedules import notifications, selectors, services
from hub.schedules.api.serializers import (
    CronPreviewResultSerializer,
    CronPreviewSerializer,
    EnabledSerializer,
    NotificationDeliverySerializer,
    NotificationRuleSerializer,
    ScheduleRunSerializer,
    ScheduleSerializer,
)
from hub.schedules.choices import RunStatus
from hub.schedules.models import NotificationRule, Schedule

RUN_STATUS = OpenApiParameter(
    "status", str, enum=RunStatus.values, many=True, description="Only runs in these states."
)


class ScheduleViewSet(HubModelViewSet):
    """Cron schedules of a plan or a script; every run is in `history`."""

    model = Schedule
    serializer_class = ScheduleSerializer
    filterset_fields = ["enabled", "target_kind", "plan", "script", "overlap_policy"]
    search_fields = ["name", "description", "cron_expression"]
    ordering_fields = ["name", "created_at", "updated_at", "last_run_at"]
    list_select_related = ("plan", "script", "created_by")
    list_prefetch_related = ("target_hosts", "target_groups")
    lookup_value_regex = r"\d+"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = services.create_schedule(actor=request.user, data=data.validated_data)
        return Response(self._out(schedule), status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        data = self.get_serializer(
            instance, data=request.data, partial=kwargs.get("partial", False)
        )
        data.is_valid(raise_exception=True)
        schedule = services.update_schedule(
            actor=request.user, schedule=instance, data=data.validated_data
        )
        return Response(self._out(schedule))

    def perform_destroy(self, instance: Any) -> None:
        services.delete_schedule(actor=self.request.user, schedule=instance)

    def _out(self, schedule: Schedule) -> dict[str, Any]:
        return self.get_serializer(self.get_queryset().get(pk=schedule.pk)).data

    @extend_schema(request=CronPreviewSerializer, responses=CronPreviewResultSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        data = CronPreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return Response(
            services.preview_cron(
                expression=values["cron_expression"],
                timezone_name=values["timezone"],
                count=values["count"],
            )
        )

    @extend_schema(request=None, responses={201: ScheduleRunSerializer})
    @action(detail=True, methods=["post"], required_action="execute")
    def run_now(self, request: Request, pk: str) -> Response:
        run = services.run_schedule_now(actor=request.user, schedule=self.get_object())
        return Response(ScheduleRunSerializer(run).data, status=201)

    @extend_schema(request=EnabledSerializer, responses=ScheduleSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def enable(self, request: Request, pk: str) -> Response:
        data = EnabledSerializer(data=request.data or {"enabled": True})
        data.is_valid(raise_exception=True)
        schedule = services.set_schedule_enabled(
            actor=request.user, schedule=self.get_object(), enabled=data.validated_data["enabled"]
        )
        return Response(self._out(schedule))

    @extend_schema(request=None, responses=ScheduleSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def disable(self, request: Request, pk: str) -> Response:
        schedule = services.set_schedule_enabled(
            actor=request.user, schedule=self.get_object(), enabled=False
        )
        return Response(self._out(schedule))

    # filter_backends=[]: the schedule list's filters are not the runs' (nor in their schema).
    @extend_schema(parameters=[RUN_STATUS], responses=ScheduleRunSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request: Request, pk: str) -> Response:
        runs: QuerySet = selectors.runs_of(self.get_object())
        if status := request.query_params.getlist("status"):
            runs = runs.filter(status__in=status)
        page = self.paginate_queryset(runs)
        return self.get_paginated_response(ScheduleRunSerializer(page, many=True).data)


class NotificationRuleViewSet(HubModelViewSet):
    """Who hears about a schedule's or a plan's runs (webhook or email)."""

    model = NotificationRule
    serializer_class = NotificationRuleSerializer
    filterset_fields = ["schedule", "plan", "channel", "notify_on", "enabled"]
    search_fields = ["name"]
    lookup_value_regex = r"\d+"

    @extend_schema(request=None, responses={201: NotificationDeliverySerializer})
    @action(detail=True, methods=["post"], required_action="execute")
    def test(self, request: Request, pk: str) -> Response:
        delivery = notifications.send_test_notification(actor=request.user, rule=self.get_object())
        out = NotificationDeliverySerializer(delivery, context=self.get_serializer_context())
        return Response(out.data, status=201)

    @extend_schema(responses=NotificationDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.deliveries_of(self.get_object()))
        context = self.get_serializer_context()
        out = NotificationDeliverySerializer(page, many=True, context=context)
        return self.get_paginated_response(out.data)

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hub.core.limits import MultiPartParser
from hub.core.viewsets import HubModelViewSet
from hub.jobs import services
from hub.jobs.api.serializers import (
    ExecutionPlanSerializer,
    JobTemplateSerializer,
    PlanSyncPreviewSerializer,
    PlanSyncResultSerializer,
    StoredFileSerializer,
    UploadSerializer,
)
from hub.jobs.models import ExecutionPlan, JobTemplate, StoredFile


class JobTemplateViewSet(HubModelViewSet[JobTemplate]):
    model = JobTemplate
    serializer_class = JobTemplateSerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at"]
    list_prefetch_related = (
        "target_hosts",
        "target_groups",
        "variables",
        "steps__target_hosts",
        "steps__target_groups",
    )
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(plan_count=Count("plans", distinct=True))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.save_template(actor=request.user, data=data.validated_data)
        return Response(self._out(template), status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        data = self.get_serializer(
            template, data=request.data, partial=kwargs.get("partial", False)
        )
        data.is_valid(raise_exception=True)
        services.save_template(actor=request.user, data=data.validated_data, template=template)
        return Response(self._out(template))

    def perform_destroy(self, instance: JobTemplate) -> None:
        services.delete_template(actor=self.request.user, template=instance)

    def _out(self, template: JobTemplate) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=template.pk)
        return JobTemplateSerializer(fresh, context=self.get_serializer_context()).data


class ExecutionPlanViewSet(HubModelViewSet[ExecutionPlan]):
    model = ExecutionPlan
    serializer_class = ExecutionPlanSerializer
    filterset_fields = ["template"]
    search_fields = ["name", "description", "template__name"]
    ordering_fields = ["name", "created_at", "updated_at"]
    list_select_related = ("template",)
    list_prefetch_related = ("steps__target_hosts", "steps__target_groups")
    lookup_value_regex = r"\d+"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.save_plan(actor=request.user, data=data.validated_data)
        return Response(self._out(plan), status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = self.get_serializer(plan, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        services.save_plan(actor=request.user, data=data.validated_data, plan=plan)
        return Response(self._out(plan))

    def perform_destroy(self, instance: ExecutionPlan) -> None:
        services.delete_plan(actor=self.request.user, plan=instance)

    def _out(self, plan: ExecutionPlan) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=plan.pk)
        return ExecutionPlanSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(responses=PlanSyncPreviewSerializer)
    @action(detail=True, methods=["get"])
    def sync_preview(self, request: Request, pk: str) -> Response:
        return Response(services.plan_sync_preview(self.get_object()))

    @extend_schema(request=None, responses=PlanSyncResultSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def sync(self, request: Request, pk: str) -> Response:
        preview = services.sync_plan(actor=request.user, plan=self.get_object())
        return Response({**preview, "plan": self._out(self.get_object())})


class StoredFileViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Upload a file for file-push steps; the answer's id goes into `source_files`."""

    parser_classes = [MultiPartParser]
    serializer_class = UploadSerializer
    queryset = StoredFile.objects.none()

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={201: StoredFileSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stored = services.store_file(actor=request.user, upload=data.validated_data["file"])
        return Response(
            {
                "id": str(stored.id),
                "name": stored.name,
                "size": stored.size,
                "sha256": stored.sha256,
            },
            status=201,
        )

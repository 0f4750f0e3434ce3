from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from hub.core import services as crud
from hub.core.viewsets import HubModelViewSet
from hub.scripts import services
from hub.scripts.api.filters import ScriptFilter
from hub.scripts.api.serializers import (
    CheckResultSerializer,
    CheckSerializer,
    DangerousRuleSerializer,
    DiffQuerySerializer,
    RollbackSerializer,
    ScriptDiffSerializer,
    ScriptListSerializer,
    ScriptTemplateSerializer,
    ScriptVersionSerializer,
    VersionStatusSerializer,
)
from hub.scripts.models import DangerousCommandRule, ScriptTemplate
from hub.scripts.safety import check_script


class ScriptTemplateViewSet(HubModelViewSet[ScriptTemplate]):
    model = ScriptTemplate
    serializer_class = ScriptTemplateSerializer
    filterset_class = ScriptFilter
    search_fields = ["name", "description", "category", "tags"]
    ordering_fields = ["name", "created_at", "updated_at"]
    list_select_related = ("current_version", "created_by")
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet:
        scripts = super().get_queryset().annotate(version_count=Count("versions"))
        if self.action == "list":  # a playbook entry's files can be large; lists show neither
            scripts = scripts.defer("current_version__content", "current_version__files")
        return scripts

    def get_serializer_class(self) -> Any:
        return ScriptListSerializer if self.action == "list" else ScriptTemplateSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        script, warnings = services.create_script(actor=request.user, data=data.validated_data)
        return Response(self._out(script, warnings), status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        script = self.get_object()
        data = self.get_serializer(script, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        script, warnings = services.update_script(
            actor=request.user, script=script, data=data.validated_data
        )
        return Response(self._out(script, warnings))

    def perform_destroy(self, instance: ScriptTemplate) -> None:
        services.delete_script(actor=self.request.user, script=instance)

    def _out(self, script: ScriptTemplate, warnings: list) -> dict[str, Any]:
        script = self.get_queryset().get(pk=script.pk)
        return {
            **ScriptTemplateSerializer(script, context=self.get_serializer_context()).data,
            "warnings": warnings,
        }

    @extend_schema(responses=ScriptVersionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="versions")
    def versions(self, request: Request, pk: str) -> Response:
        versions = self.get_object().versions.select_related("created_by").order_by("-number")
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(ScriptVersionSerializer(page, many=True).data)

    @extend_schema(responses=ScriptVersionSerializer)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)")
    def version(self, request: Request, pk: str, number: str) -> Response:
        script = self.get_object()
        return Response(ScriptVersionSerializer(services.get_version(script, int(number))).data)

    @extend_schema(request=VersionStatusSerializer, responses=ScriptVersionSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"versions/(?P<number>\d+)/status",
        required_action="change",
    )
    def version_status(self, request: Request, pk: str, number: str) -> Response:
        data = VersionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.set_version_status(
            actor=request.user, script=self.get_object(), number=int(number), **data.validated_data
        )
        return Response(ScriptVersionSerializer(version).data)

    @extend_schema(
        # DiffQuerySerializer reads `from` and `to` (Python keywords, so not field names).
        parameters=[
            OpenApiParameter("from", int, required=True, description="Older version number."),
            OpenApiParameter("to", int, required=True, description="Newer version number."),
        ],
        responses=ScriptDiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str) -> Response:
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            services.diff_versions(
                self.get_object(),
                query.validated_data["from_version"],
                query.validated_data["to_version"],
            )
        )

    @extend_schema(request=RollbackSerializer, responses=ScriptVersionSerializer)
    @action(detail=True, methods=["post"], required_action="change")
    def rollback(self, request: Request, pk: str) -> Response:
        data = RollbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.rollback_script(
            actor=request.user, script=self.get_object(), number=data.validated_data["version"]
        )
        return Response(ScriptVersionSerializer(version).data, status=201)

    @extend_schema(request=CheckSerializer, responses=CheckResultSerializer)
    @action(detail=False, methods=["post"])
    def check(self, request: Request) -> Response:
        data = CheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matches = check_script(data.validated_data["content"], data.validated_data["script_type"])
        return Response(
            {
                "matches": [m.__dict__ for m in matches],
                "blocked": any(m.action == "block" for m in matches),
            }
        )


class DangerousRuleViewSet(viewsets.ModelViewSet):
    """Administrators manage the rules; everyone may read them."""

    queryset = DangerousCommandRule.objects.order_by("id")
    serializer_class = DangerousRuleSerializer
    search_fields = ["description", "pattern"]

    def get_permissions(self) -> list:
        return [IsAuthenticated()] if self.action in ("list", "retrieve") else [IsAdminUser()]

    def perform_create(self, serializer: Any) -> None:
        crud.create_object(actor=self.request.user, serializer=serializer)

    def perform_update(self, serializer: Any) -> None:
        crud.update_object(actor=self.request.user, serializer=serializer)

    def perform_destroy(self, instance: Any) -> None:
        crud.delete_object(actor=self.request.user, obj=instance)

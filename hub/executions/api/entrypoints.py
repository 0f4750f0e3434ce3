"""Launch endpoints: quick script and file transfer, plan execute, exports, connection test."""

from __future__ import annotations

import time

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.exceptions import NotAllowed
from hub.core.limits import FormParser, JSONParser, MultiPartParser
from hub.core.permissions import objects_for, user_can
from hub.executions import services
from hub.executions.api.launch_serializers import (
    ConnectionTestResultSerializer,
    ConnectionTestSerializer,
    FileTransferSerializer,
    LaunchResultSerializer,
    PlanLaunchSerializer,
    QuickScriptSerializer,
)
from hub.executions.choices import FINISHED_STATUSES
from hub.executions.export import export_project
from hub.executions.models import Execution, HostResult
from hub.inventory.models import Host
from hub.jobs.models import ExecutionPlan, JobTemplate
from hub.jobs.services import store_file


def _launched(execution: Execution) -> Response:
    return Response({"execution_id": execution.pk, "status": execution.status}, status=201)


class QuickScriptView(APIView):
    @extend_schema(request=QuickScriptSerializer, responses={201: LaunchResultSerializer})
    def post(self, request: Request) -> Response:
        data = QuickScriptSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        return _launched(services.launch_quick_script(actor=request.user, data=data.validated_data))


class QuickFileView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": FileTransferSerializer},
        responses={201: LaunchResultSerializer},
    )
    def post(self, request: Request) -> Response:
        data = FileTransferSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        uploads = [store_file(actor=request.user, upload=f) for f in values.pop("files", [])]
        values["stored_files"] = [*values.get("stored_files", []), *uploads]
        return _launched(services.launch_file_transfer(actor=request.user, data=values))


class PlanExecuteView(APIView):
    @extend_schema(request=PlanLaunchSerializer, responses={201: LaunchResultSerializer})
    def post(self, request: Request, pk: int) -> Response:
        plan = get_object_or_404(objects_for(request.user, ExecutionPlan), pk=pk)
        data = PlanLaunchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _launched(services.launch_plan(actor=request.user, plan=plan, **data.validated_data))


def _zip_response(name: str, payload: bytes) -> HttpResponse:
    response = HttpResponse(payload, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


ZIP_RESPONSE = {
    (200, "application/zip"): OpenApiResponse(
        OpenApiTypes.BINARY, description="A zip: playbook project, inventory and README."
    )
}


class PlanExportView(APIView):
    @extend_schema(responses=ZIP_RESPONSE)
    def get(self, request: Request, pk: int) -> HttpResponse:
        plan = get_object_or_404(objects_for(request.user, ExecutionPlan), pk=pk)
        return _zip_response(*export_project(actor=request.user, template=plan.template, plan=plan))


class TemplateExportView(APIView):
    @extend_schema(responses=ZIP_RESPONSE)
    def get(self, request: Request, pk: int) -> HttpResponse:
        template = get_object_or_404(objects_for(request.user, JobTemplate), pk=pk)
        return _zip_response(*export_project(actor=request.user, template=template))


class ConnectionTestView(APIView):
    """Really connects to each host; waits up to `wait` seconds for the verdicts."""

    @extend_schema(request=ConnectionTestSerializer, responses=ConnectionTestResultSerializer)
    def post(self, request: Request) -> Response:
        data = ConnectionTestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["host_ids"]
        hosts = list(objects_for(request.user, Host).filter(pk__in=ids).select_related("account"))
        if len(hosts) != len(set(ids)):
            raise NotAllowed("Unknown host id(s).", field="host_ids")
        if denied := [h.name for h in hosts if not user_can(request.user, h, "execute")]:
            raise NotAllowed(f"You may not connect to {', '.join(denied[:10])}.", field="host_ids")
        execution = services.test_host_connections(actor=request.user, hosts=hosts)
        deadline = time.monotonic() + data.validated_data["wait"]
        while time.monotonic() < deadline:
            execution.refresh_from_db(fields=["status"])
            if execution.status in FINISHED_STATUSES:
                break
            time.sleep(0.25)
        hosts_now = {h.pk: h for h in Host.objects.filter(pk__in=ids)}
        results = [
            {
                "host_id": r.host_id,
                "host_name": r.host_name,
                "result": r.status,
                "status": hosts_now[r.host_id].status if r.host_id in hosts_now else None,
                "message": r.message,
                "checked_at": hosts_now[r.host_id].last_checked_at
                if r.host_id in hosts_now
                else None,
            }
            for r in HostResult.objects.filter(execution=execution)
        ]
        return Response(
            {"execution_id": execution.pk, "status": execution.status, "results": results}
        )

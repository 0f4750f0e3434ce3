"""The script library as an ansible-galaxy collection: download it, upload one."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.core.limits import MultiPartParser
from hub.scripts import collection_services as services
from hub.scripts.api.collection_serializers import (
    ExportCollectionQuerySerializer,
    ImportCollectionSerializer,
    ImportReportSerializer,
)


class ExportCollectionView(APIView):
    """The scripts you may view (all, or by category/tag/ids) as a collection tarball."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ExportCollectionQuerySerializer],
        responses={(200, "application/gzip"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request) -> HttpResponse:
        query = ExportCollectionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filename, data = services.export_collection(actor=request.user, **query.validated_data)
        response = HttpResponse(data, content_type="application/gzip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class HubCollectionView(APIView):
    """The hub.ops collection (the plugins hub runs use) as an installable tarball.

    Its ETag is the content hash: a request with that If-None-Match gets 304, no body."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/gzip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="hub-ops-<version>.tar.gz"
            ),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        filename, data, digest = services.hub_collection()
        etag = f'"{digest}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(data, content_type="application/gzip")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["ETag"] = etag
        return response


class ImportCollectionView(APIView):
    """Scripts from a collection or roles archive, with a report of what happened to each."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportCollectionSerializer},
        responses=ImportReportSerializer,
    )
    def post(self, request: Request) -> Response:
        data = ImportCollectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = services.import_collection(
            actor=request.user, data=upload.read(), filename=upload.name or "upload"
        )
        return Response(ImportReportSerializer(report).data)

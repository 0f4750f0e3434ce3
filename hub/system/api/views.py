from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from hub.system import services
from hub.system.api.serializers import SettingSerializer, SettingUpdateSerializer

KEY = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The setting's key.")


class SystemSettingViewSet(viewsets.ViewSet):
    """Runtime settings: everyone signed in reads them, administrators change them."""

    lookup_value_regex = r"[\w.]+"

    def get_permissions(self) -> list:
        return [IsAdminUser()] if self.action == "partial_update" else [IsAuthenticated()]

    @extend_schema(responses=SettingSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(SettingSerializer(services.all_settings(), many=True).data)

    @extend_schema(parameters=[KEY], responses=SettingSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(SettingSerializer(self._one(pk)).data)

    @extend_schema(parameters=[KEY], request=SettingUpdateSerializer, responses=SettingSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        self._one(pk)
        payload = SettingUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.update_setting(actor=request.user, key=pk, value=payload.validated_data["value"])
        return Response(SettingSerializer(self._one(pk)).data)

    def _one(self, key: str) -> dict:
        for item in services.all_settings():
            if item["key"] == key:
                return item
        raise NotFound(f"No setting named {key!r}.")

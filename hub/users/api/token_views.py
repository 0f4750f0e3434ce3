from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hub.users import token_services
from hub.users.api.token_serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
)
from hub.users.models import ApiToken


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Personal API tokens: create (the secret is answered once), list, revoke.

    DELETE and POST revoke/ both revoke; the row stays, so the audit log keeps its name.
    Token scopes cannot reach these routes below `admin` (hub/users/tokens.py)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # the model, for the schema; rows come from below
    filterset_fields = ["scope", "user"]
    search_fields = ["name", "prefix"]
    ordering_fields = ["created_at", "last_used_at", "name"]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return token_services.api_token_list_for(self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = token_services.create_api_token(actor=request.user, **data.validated_data)
        token.token = secret  # type: ignore[attr-defined]  # answered this once only
        return Response(ApiTokenCreatedSerializer(token).data, status=201)

    def perform_destroy(self, instance: ApiToken) -> None:
        token_services.revoke_api_token(actor=self.request.user, token=instance)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        token = token_services.revoke_api_token(actor=request.user, token=self.get_object())
        return Response(ApiTokenSerializer(token).data)

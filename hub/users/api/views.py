from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth import login as session_login
from django.contrib.auth.models import Group, User
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from hub.core import services as crud
from hub.core.middleware import client_ip
from hub.core.permissions import holders_of
from hub.system.services import get_setting
from hub.users import permission_services, services
from hub.users.api.serializers import (
    CaptchaSerializer,
    GrantSerializer,
    GroupSerializer,
    HoldersQuerySerializer,
    HoldersSerializer,
    LoginResultSerializer,
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    RefreshSerializer,
    UserSerializer,
)
from hub.users.captcha import new_captcha
from hub.users.exceptions import LoginFailed


class ClientIpThrottle(ScopedRateThrottle):
    """Keyed by the one client address helper (DRF's own trusts any X-Forwarded-For)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request._request) or "unknown"


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientIpThrottle]
    throttle_scope = "login"

    @extend_schema(request=LoginSerializer, responses=LoginResultSerializer)
    def post(self, request: Request) -> Response:
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.login_user(request=request._request, **data.validated_data)
        session_login(request._request, user, backend="hub.users.backends.GuardedModelBackend")
        return Response({**tokens, "user": MeSerializer(user).data})


class CaptchaView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientIpThrottle]
    throttle_scope = "captcha"

    @extend_schema(responses=CaptchaSerializer)
    def get(self, request: Request) -> Response:
        if not get_setting("feature.captcha"):
            return Response({"enabled": False})
        return Response({"enabled": True, **new_captcha()})


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RefreshSerializer, responses=RefreshSerializer)
    def post(self, request: Request) -> Response:
        RefreshSerializer(data=request.data).is_valid(raise_exception=True)
        serializer = TokenRefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise LoginFailed("Refresh token is invalid or expired.", field="refresh") from exc
        return Response(serializer.validated_data)


class LogoutView(APIView):
    @extend_schema(request=LogoutSerializer, responses=None)
    def post(self, request: Request) -> Response:
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout_user(actor=request.user, refresh=data.validated_data.get("refresh", ""))
        request._request.session.flush()
        return Response(None)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class UserViewSet(viewsets.ModelViewSet[User]):
    """Administrators manage users; every change is audited."""

    queryset = get_user_model().objects.order_by("id").prefetch_related("groups")
    serializer_class = UserSerializer
    permission_classes = [IsAdminUser]
    search_fields = ["username", "email", "first_name", "last_name"]
    filterset_fields = ["is_active", "is_superuser"]
    ordering_fields = ["id", "username", "date_joined", "last_login"]

    def perform_create(self, serializer: BaseSerializer[User]) -> None:
        crud.create_object(actor=self.request.user, serializer=serializer)

    def perform_update(self, serializer: BaseSerializer[User]) -> None:
        crud.update_object(actor=self.request.user, serializer=serializer)

    def perform_destroy(self, instance: User) -> None:
        crud.delete_object(actor=self.request.user, obj=instance)


class UserGroupViewSet(viewsets.ModelViewSet[Group]):
    queryset = Group.objects.order_by("name")
    serializer_class = GroupSerializer
    search_fields = ["name"]

    def get_permissions(self) -> list:
        return [IsAuthenticated()] if self.action in ("list", "retrieve") else [IsAdminUser()]

    def perform_create(self, serializer: BaseSerializer[Group]) -> None:
        crud.create_object(actor=self.request.user, serializer=serializer)

    def perform_update(self, serializer: BaseSerializer[Group]) -> None:
        crud.update_object(actor=self.request.user, serializer=serializer)

    def perform_destroy(self, instance: Group) -> None:
        crud.delete_object(actor=self.request.user, obj=instance)


class PermissionViewSet(viewsets.ViewSet):
    """Who holds which object permissions; grant and revoke them."""

    @extend_schema(parameters=[HoldersQuerySerializer], responses=HoldersSerializer)
    def list(self, request: Request) -> Response:
        query = HoldersQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        obj = permission_services.resolve_object(actor=request.user, **query.validated_data)
        return Response(holders_of(obj))

    @extend_schema(request=GrantSerializer, responses=HoldersSerializer)
    @action(detail=False, methods=["post"])
    def grant(self, request: Request) -> Response:
        return self._change(request, granting=True)

    @extend_schema(request=GrantSerializer, responses=HoldersSerializer)
    @action(detail=False, methods=["post"])
    def revoke(self, request: Request) -> Response:
        return self._change(request, granting=False)

    def _change(self, request: Request, *, granting: bool) -> Response:
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        holders = permission_services.change_object_permissions(
            actor=request.user, granting=granting, **data.validated_data
        )
        return Response(holders, status=status.HTTP_200_OK)

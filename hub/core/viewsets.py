"""Base viewset: queryset from object permissions, writes through the audited services."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from guardian.core import ObjectPermissionChecker
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from hub.core import services
from hub.core.permissions import ObjectPermission, objects_for

_M = TypeVar("_M", bound=models.Model)


class HubModelViewSet(viewsets.ModelViewSet[_M]):
    """CRUD over one permissioned model. Subclasses set `model` and the serializers.

    Generic in the model: `class HostViewSet(HubModelViewSet[Host])`."""

    model: type[_M]
    permission_classes = [IsAuthenticated, ObjectPermission]
    list_select_related: tuple[str, ...] = ()
    list_prefetch_related: tuple[str, ...] = ()
    # Custom actions name the object permission they need: @action(required_action="change").
    required_action: str | None = None

    def get_queryset(self) -> models.QuerySet[_M]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return self.model._default_manager.none()
        queryset = objects_for(self.request.user, self.model, "view")
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        if self.list_prefetch_related:
            queryset = queryset.prefetch_related(*self.list_prefetch_related)
        return queryset.order_by(*(self.model._meta.ordering or ["-pk"]))

    def perm_checker(self) -> ObjectPermissionChecker | None:
        """One checker per request: the page's perms are prefetched into the one serializers
        read, so the `perms` field costs two queries per page instead of one per object."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if getattr(self, "_perm_checker", None) is None:
            self._perm_checker = ObjectPermissionChecker(user)
        return self._perm_checker

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())  # the stubs say Mapping; DRF builds a dict
        if (checker := self.perm_checker()) is not None:
            context["perm_checker"] = checker
        return context

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        checker = self.perm_checker()
        if page and checker is not None and not self.request.user.is_superuser:
            # guardian annotates `objects: QuerySet` but documents and accepts any list of
            # model instances (it only reads their pks and content type).
            checker.prefetch_perms(page)  # type: ignore[arg-type]
        return page

    def perform_create(self, serializer: Any) -> None:
        services.create_object(actor=self.request.user, serializer=serializer)

    def perform_update(self, serializer: Any) -> None:
        services.update_object(actor=self.request.user, serializer=serializer)

    def perform_destroy(self, instance: _M) -> None:
        services.delete_object(actor=self.request.user, obj=instance)

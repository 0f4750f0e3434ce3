from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from hub.audit.api.filters import AuditLogFilter
from hub.audit.api.serializers import AuditLogSerializer
from hub.audit.models import AuditLog


class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrators read every record; other users read what they did themselves."""

    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilter
    search_fields = ["username", "object_repr", "object_type"]
    ordering_fields = ["created_at", "id"]

    queryset = AuditLog.objects.none()  # the model, for the schema; rows come from below
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[AuditLog]:
        if getattr(self, "swagger_fake_view", False):
            return AuditLog.objects.none()
        queryset = AuditLog.objects.order_by("-created_at", "-id")
        user = self.request.user
        if user.is_superuser:
            return queryset
        if not user.is_authenticated:  # IsAuthenticated keeps anonymous requests out
            return queryset.none()
        return queryset.filter(actor=user)

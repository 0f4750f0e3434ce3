import django_filters

from hub.audit.choices import AuditAction
from hub.audit.models import AuditLog


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.MultipleChoiceFilter(choices=AuditAction.choices)
    actor = django_filters.NumberFilter(field_name="actor_id")
    api_token = django_filters.NumberFilter(field_name="api_token_id")
    username = django_filters.CharFilter(lookup_expr="iexact")
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = AuditLog
        fields = ["action", "actor", "username", "object_type", "object_id"]

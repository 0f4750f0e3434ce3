import django_filters

from hub.executions.choices import ExecutionKind, ExecutionStatus
from hub.executions.models import Execution


class ExecutionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ExecutionStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=ExecutionKind.choices)
    created_by = django_filters.NumberFilter(field_name="created_by_id")
    template = django_filters.NumberFilter(field_name="template_id")
    plan = django_filters.NumberFilter(field_name="plan_id")
    script = django_filters.NumberFilter(field_name="script_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Execution
        fields = ["status", "kind", "created_by", "template", "plan", "script"]

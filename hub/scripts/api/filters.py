from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from hub.scripts.choices import ScriptType
from hub.scripts.models import ScriptTemplate


class ScriptFilter(django_filters.FilterSet):
    script_type = django_filters.ChoiceFilter(choices=ScriptType.choices)
    category = django_filters.CharFilter()
    tag = django_filters.CharFilter(method="filter_tag")
    content = django_filters.CharFilter(
        method="filter_content", help_text="Text in the current version's content."
    )

    class Meta:
        model = ScriptTemplate
        fields = ["script_type", "category", "tag", "content"]

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # JSON containment is not on SQLite; tags are short lists, so match the quoted item.
        return queryset.filter(tags__icontains=f'"{value}"')

    def filter_content(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(current_version__content__icontains=value))

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from hub.inventory.choices import HostSource, HostStatus, OsType
from hub.inventory.models import Host, HostGroup


def descendant_group_ids(group_id: int) -> list[int]:
    ids, frontier = [group_id], [group_id]
    while frontier:
        frontier = list(
            HostGroup.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


class HostFilter(django_filters.FilterSet):
    group = django_filters.NumberFilter(
        method="filter_group", help_text="Hosts in this group or its subgroups."
    )
    status = django_filters.MultipleChoiceFilter(choices=HostStatus.choices)
    os_type = django_filters.ChoiceFilter(choices=OsType.choices)
    source = django_filters.ChoiceFilter(choices=HostSource.choices)
    account = django_filters.NumberFilter(field_name="account_id")
    label = django_filters.CharFilter(method="filter_label", help_text="key=value or key")

    class Meta:
        model = Host
        fields = ["group", "status", "os_type", "source", "account", "label", "cloud_missing"]

    def filter_group(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(groups__in=descendant_group_ids(int(value))).distinct()

    def filter_label(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        key, sep, label_value = value.partition("=")
        if not sep:
            return queryset.filter(labels__has_key=key)
        return queryset.filter(Q(**{f"labels__{key}": label_value}))


class HostGroupFilter(django_filters.FilterSet):
    parent = django_filters.NumberFilter(field_name="parent_id")
    root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull")

    class Meta:
        model = HostGroup
        fields = ["parent", "root"]

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from hub.audit.choices import AuditAction
from hub.executions.choices import ExecutionKind, ExecutionStatus
from hub.schedules.cron import zone

MAX_DAYS = 366


class RangeQuerySerializer(serializers.Serializer):
    """?days=N (the last N days including today) or ?start=YYYY-MM-DD&end=YYYY-MM-DD."""

    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    tz = serializers.CharField(
        required=False, max_length=64, help_text="IANA zone for day boundaries (default TIME_ZONE)."
    )

    def validate_tz(self, value: str) -> str:
        try:
            zone(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tz = zone(attrs.get("tz") or settings.TIME_ZONE)
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            raise serializers.ValidationError({missing: ["Give both start and end."]})
        if start is not None and "days" in attrs:
            raise serializers.ValidationError({"days": ["Give days or start/end, not both."]})
        if start is None or end is None:
            end = timezone.now().astimezone(tz).date()
            start = end - timedelta(days=attrs.get("days", 7) - 1)
        if start > end:
            raise serializers.ValidationError({"start": ["start must not be after end."]})
        if (end - start).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"end": [f"At most {MAX_DAYS} days."]})
        return {"start": start, "end": end, "tz": tz}


class TrendPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    total = serializers.IntegerField()
    success = serializers.IntegerField()
    failed = serializers.IntegerField()
    finished = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)


class StatsRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    tz = serializers.CharField(help_text="IANA zone of the day boundaries.")


class HostCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text="Host status -> hosts (present statuses only)."
    )


class ScheduleCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    enabled = serializers.IntegerField()


class ObjectCountsSerializer(serializers.Serializer):
    hosts = HostCountsSerializer()
    scripts = serializers.IntegerField()
    templates = serializers.IntegerField()
    plans = serializers.IntegerField()
    schedules = ScheduleCountsSerializer()


class ExecutionTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text="Execution status -> executions in the range."
    )
    success_rate = serializers.FloatField(allow_null=True)


class FailingObjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    failures = serializers.IntegerField()


class FailingHostSerializer(serializers.Serializer):
    host_name = serializers.CharField()
    failures = serializers.IntegerField()


class TopFailingSerializer(serializers.Serializer):
    templates = FailingObjectSerializer(many=True)
    scripts = FailingObjectSerializer(many=True)
    plans = FailingObjectSerializer(many=True)
    hosts = FailingHostSerializer(many=True)


class RecentExecutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=ExecutionKind.choices)
    status = serializers.ChoiceField(choices=ExecutionStatus.choices)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    created_by__username = serializers.CharField(allow_null=True)


class RecentAuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(allow_blank=True)
    action = serializers.ChoiceField(choices=AuditAction.choices)
    object_type = serializers.CharField(allow_blank=True)
    object_id = serializers.CharField(allow_blank=True)
    object_repr = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class RecentItemsSerializer(serializers.Serializer):
    executions = RecentExecutionSerializer(many=True)
    audit_events = RecentAuditEventSerializer(many=True)


class StatsSerializer(serializers.Serializer):
    range = StatsRangeSerializer()
    counts = ObjectCountsSerializer()
    executions = ExecutionTotalsSerializer()
    trend = TrendPointSerializer(many=True)
    top_failing = TopFailingSerializer()
    recent = RecentItemsSerializer()
    cached = serializers.BooleanField()
    stale = serializers.BooleanField(
        help_text="Figures from before the latest write; fresh ones are being computed."
    )
    computed_at = serializers.DateTimeField()


class HealthPartSerializer(serializers.Serializer):
    """One checked part; administrators also get what the check found (versions, workers)."""

    ok = serializers.BooleanField()
    ms = serializers.FloatField(required=False, help_text="How long the check took.")
    error = serializers.CharField(required=False)


class HealthSerializer(serializers.Serializer):
    healthy = serializers.BooleanField()
    parts = serializers.DictField(child=HealthPartSerializer(), help_text="Part name -> check.")

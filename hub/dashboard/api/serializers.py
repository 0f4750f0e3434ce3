from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

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


class StatsSerializer(serializers.Serializer):
    range = serializers.DictField()
    counts = serializers.DictField()
    executions = serializers.DictField()
    trend = TrendPointSerializer(many=True)
    top_failing = serializers.DictField()
    recent = serializers.DictField()
    cached = serializers.BooleanField()
    stale = serializers.BooleanField(
        help_text="Figures from before the latest write; fresh ones are being computed."
    )
    computed_at = serializers.DateTimeField()


class HealthSerializer(serializers.Serializer):
    healthy = serializers.BooleanField()
    parts = serializers.DictField()

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from hub.executions.models import Execution, ExecutionStep, HostResult


def success_rate(summary: dict[str, Any]) -> float | None:
    total = summary.get("total") or 0
    return round(100.0 * summary.get("success", 0) / total, 1) if total else None


class ExecutionListSerializer(serializers.ModelSerializer):
    created_by_name = serializers.CharField(
        source="created_by.username", read_only=True, default=None
    )
    duration = serializers.FloatField(read_only=True)
    success_rate = serializers.SerializerMethodField()

    class Meta:
        model = Execution
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "control",
            "created_by",
            "created_by_name",
            "created_at",
            "started_at",
            "finished_at",
            "duration",
            "summary",
            "success_rate",
            "template",
            "plan",
            "script",
            "script_version",
            "retry_of",
            "forks",
            "timeout",
            "error",
        ]

    def get_success_rate(self, obj: Execution) -> float | None:
        return success_rate(obj.summary)


class HostResultSerializer(serializers.ModelSerializer):
    duration = serializers.FloatField(read_only=True)

    class Meta:
        model = HostResult
        fields = [
            "host",
            "host_name",
            "ip_address",
            "status",
            "rc",
            "started_at",
            "finished_at",
            "duration",
            "message",
        ]


class ExecutionStepSerializer(serializers.ModelSerializer):
    hosts = HostResultSerializer(many=True, read_only=True)

    class Meta:
        model = ExecutionStep
        fields = ["index", "name", "step_type", "status", "started_at", "finished_at", "hosts"]


class ExecutionDetailSerializer(ExecutionListSerializer):
    steps = ExecutionStepSerializer(many=True, read_only=True)
    result_groups = serializers.SerializerMethodField()

    class Meta(ExecutionListSerializer.Meta):
        fields = [
            *ExecutionListSerializer.Meta.fields,
            "parameters",
            "targets",
            "steps",
            "result_groups",
            "last_seq",
        ]

    def get_result_groups(self, obj: Execution) -> list[dict[str, Any]]:
        from hub.executions.selectors import result_groups

        return result_groups(obj)


class LogQuerySerializer(serializers.Serializer):
    host = serializers.CharField(max_length=255)
    offset = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1024 * 1024, default=64 * 1024)


class LogSliceSerializer(serializers.Serializer):
    host = serializers.CharField()
    offset = serializers.IntegerField()
    next_offset = serializers.IntegerField()
    size = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)
    complete = serializers.BooleanField()

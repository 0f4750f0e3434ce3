from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.executions.choices import EventKind, HostStatus
from hub.executions.models import Execution, ExecutionStep, HostResult


def success_rate(summary: dict[str, Any]) -> float | None:
    total = summary.get("total") or 0
    return round(100.0 * summary.get("success", 0) / total, 1) if total else None


class ExecutionSummarySerializer(serializers.Serializer):
    """Hosts per final status; empty until the execution finishes."""

    total = serializers.IntegerField(required=False)
    success = serializers.IntegerField(required=False)
    failed = serializers.IntegerField(required=False)
    unreachable = serializers.IntegerField(required=False)
    timeout = serializers.IntegerField(required=False)
    stopped = serializers.IntegerField(required=False)
    skipped = serializers.IntegerField(required=False)
    lost = serializers.IntegerField(required=False)


class ResultGroupSerializer(serializers.Serializer):
    """Hosts of one step that ended alike (status, rc and output)."""

    step = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=HostStatus.choices)
    rc = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    output = serializers.CharField(allow_blank=True)
    hosts = serializers.ListField(child=serializers.CharField(), help_text="At most 50 names.")


class ExecutionListSerializer(serializers.ModelSerializer):
    created_by_name = serializers.CharField(
        source="created_by.username", read_only=True, default=None
    )
    duration = serializers.FloatField(read_only=True, allow_null=True)
    summary = ExecutionSummarySerializer(read_only=True)
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
    duration = serializers.FloatField(read_only=True, allow_null=True)

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

    @extend_schema_field(ResultGroupSerializer(many=True))
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


class LiveEventSerializer(serializers.Serializer):
    """One event of an execution, as the WebSocket, SSE and `events` endpoints send it.

    Which fields a kind carries: `output` stream/text/offset; `host_start` and
    `host_result` host (and status, rc, changed, ignored, msg); `step_start`/`batch_start`
    text (the play); `status`, `control`, `end` status (and `end` summary).
    """

    seq = serializers.IntegerField(help_text="Gapless, from 1: resume with ?since=<last seq>.")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    ts = serializers.FloatField(help_text="Seconds since the epoch.")
    step = serializers.IntegerField(required=False, allow_null=True)
    host = serializers.CharField(required=False, allow_blank=True)
    stream = serializers.ChoiceField(choices=["stdout", "stderr"], required=False)
    text = serializers.CharField(required=False, allow_blank=True)
    status = serializers.CharField(required=False, allow_blank=True)
    rc = serializers.IntegerField(required=False, allow_null=True)
    changed = serializers.IntegerField(required=False, allow_null=True)
    ignored = serializers.IntegerField(required=False, allow_null=True)
    msg = serializers.CharField(required=False, allow_blank=True)
    offset = serializers.IntegerField(
        required=False, allow_null=True, help_text="output: bytes of its remote stream so far."
    )
    dir = serializers.CharField(
        required=False, allow_blank=True, help_text="remote_start: the script's remote dir."
    )
    truncated = serializers.CharField(required=False, allow_blank=True)
    summary = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="end: hosts per status."
    )


class EventQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(min_value=0, default=0, max_value=2**62)
    limit = serializers.IntegerField(min_value=1, max_value=2000, default=500)


class EventPageSerializer(serializers.Serializer):
    events = LiveEventSerializer(many=True)
    next_since = serializers.IntegerField(help_text="Pass as ?since= for the next page.")
    complete = serializers.BooleanField(help_text="True once the `end` event was returned.")

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator, validate_email
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from hub.core import outbound
from hub.core.crypto import MASK
from hub.core.permissions import user_can
from hub.core.serializers import DescriptionField, PermsField, StoredJSONField, StrictCharField
from hub.inventory.api.serializers import VisiblePrimaryKeyField
from hub.inventory.models import Account, Host, HostGroup
from hub.jobs.models import ExecutionPlan
from hub.schedules import cron
from hub.schedules.choices import Channel, DeliveryStatus, TargetKind
from hub.schedules.models import NotificationDelivery, NotificationRule, Schedule, ScheduleRun
from hub.schedules.services import schedule_summary
from hub.scripts.models import ScriptTemplate
from hub.system.services import get_setting


def _cron(value: str) -> str:
    try:
        return cron.normalize_cron(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


def _zone(value: str) -> str:
    try:
        cron.zone(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc
    return value


class CronPreviewSerializer(serializers.Serializer):
    cron_expression = StrictCharField(max_length=120)
    timezone = StrictCharField(max_length=64, default="UTC")
    count = serializers.IntegerField(min_value=1, max_value=50, default=5)

    def validate_cron_expression(self, value: str) -> str:
        return _cron(value)

    def validate_timezone(self, value: str) -> str:
        return _zone(value)


class CronPreviewResultSerializer(serializers.Serializer):
    cron_expression = serializers.CharField()
    timezone = serializers.CharField()
    description = serializers.CharField()
    next_runs = serializers.ListField(child=serializers.DateTimeField())


def _plain_dict(value: Any) -> None:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be an object.")
    for key, item in value.items():
        if not isinstance(item, str | int | float | list) or isinstance(item, bool):
            raise serializers.ValidationError(f"{key}: values are strings, numbers or lists.")


class ScheduleSerializer(serializers.ModelSerializer):
    """A schedule in and out; secret variables/parameters read back as the mask."""

    name = StrictCharField(
        max_length=200,
        validators=[
            UniqueValidator(Schedule.objects.all(), message="A schedule with this name exists.")
        ],
    )
    description = DescriptionField()
    cron_expression = StrictCharField(max_length=120)
    timezone = StrictCharField(max_length=64, default="UTC")
    target_kind = serializers.ChoiceField(choices=TargetKind.choices, required=False)
    plan = VisiblePrimaryKeyField(ExecutionPlan, required=False, allow_null=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True, default=None)
    variables = StoredJSONField(required=False, validators=[_plain_dict])
    script = VisiblePrimaryKeyField(ScriptTemplate, required=False, allow_null=True)
    script_name = serializers.CharField(source="script.name", read_only=True, default=None)
    script_version = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    script_content = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=1024 * 1024
    )
    parameters = StoredJSONField(required=False, validators=[_plain_dict])
    target_hosts = VisiblePrimaryKeyField(Host, many=True, required=False)
    target_groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)
    account = VisiblePrimaryKeyField(Account, required=False, allow_null=True)
    timeout = serializers.IntegerField(
        min_value=1, max_value=86400, required=False, allow_null=True
    )
    concurrency = serializers.IntegerField(
        min_value=1, max_value=500, required=False, allow_null=True
    )
    retry_count = serializers.IntegerField(min_value=0, max_value=10, required=False)
    retry_delay_seconds = serializers.IntegerField(min_value=1, max_value=86400, required=False)
    cron_description = serializers.SerializerMethodField()
    next_runs = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    perms = PermsField()

    class Meta:
        model = Schedule
        fields = [
            "id",
            "name",
            "description",
            "cron_expression",
            "timezone",
            "enabled",
            "target_kind",
            "plan",
            "plan_name",
            "variables",
            "script",
            "script_name",
            "script_version",
            "script_content",
            "script_type",
            "parameters",
            "target_hosts",
            "target_groups",
            "account",
            "timeout",
            "concurrency",
            "retry_count",
            "retry_delay_seconds",
            "overlap_policy",
            "cron_description",
            "next_runs",
            "last_run_at",
            "created_by",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["last_run_at", "created_at", "updated_at"]

    def validate_cron_expression(self, value: str) -> str:
        return _cron(value)

    def validate_timezone(self, value: str) -> str:
        return _zone(value)

    def get_cron_description(self, obj: Schedule) -> str:
        return cron.describe(obj.cron_expression)

    def get_next_runs(self, obj: Schedule) -> list[str]:
        return schedule_summary(obj)["next_runs"]

    def to_representation(self, instance: Schedule) -> dict[str, Any]:
        data = super().to_representation(instance)
        masked = dict.fromkeys(instance.secret_value_map, MASK)
        field = "variables" if instance.target_kind == TargetKind.PLAN else "parameters"
        data[field] = {**data[field], **masked}
        return data

    def _merged(self, attrs: dict[str, Any], name: str, default: Any = None) -> Any:
        if name in attrs:
            return attrs[name]
        if self.instance is not None:
            value = getattr(self.instance, name)
            return list(value.all()) if name in ("target_hosts", "target_groups") else value
        return default

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = self._merged(attrs, "target_kind") or (
            TargetKind.PLAN if attrs.get("plan") else TargetKind.SCRIPT
        )
        if self.instance is None or kind != self.instance.target_kind:
            attrs["target_kind"] = kind
        if kind == TargetKind.PLAN:
            self._validate_plan(attrs)
        else:
            self._validate_script(attrs)
        if self.instance is None:
            attrs.setdefault("retry_count", get_setting("schedules.default_retry_count"))
            attrs.setdefault(
                "retry_delay_seconds", get_setting("schedules.default_retry_delay_seconds")
            )
        return attrs

    def _validate_plan(self, attrs: dict[str, Any]) -> None:
        plan = self._merged(attrs, "plan")
        if plan is None:
            raise serializers.ValidationError({"plan": ["Choose the plan to run."]})
        declared = set(plan.template.variables.values_list("name", flat=True))
        if unknown := set(attrs.get("variables") or {}) - declared:
            raise serializers.ValidationError(
                {"variables": [f"Unknown variable(s) of the plan: {sorted(unknown)}."]}
            )

    def _validate_script(self, attrs: dict[str, Any]) -> None:
        script = self._merged(attrs, "script")
        content = self._merged(attrs, "script_content", "") or ""
        if bool(script) == bool(content.strip()):
            raise serializers.ValidationError(
                {"script_content": ["Give script_content or script (one of them)."]}
            )
        if script is not None:
            number = self._merged(attrs, "script_version")
            if number and not script.versions.filter(number=number).exists():
                raise serializers.ValidationError(
                    {"script_version": [f"Script {script.name!r} has no version {number}."]}
                )
            attrs["script_content"] = ""
        if not self._merged(attrs, "target_hosts", []) and not self._merged(
            attrs, "target_groups", []
        ):
            raise serializers.ValidationError(
                {"target_hosts": ["Choose at least one target host or group."]}
            )


class RunExecutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ScheduleRunSerializer(serializers.ModelSerializer):
    execution = RunExecutionSerializer(read_only=True, allow_null=True)
    execution_status = serializers.CharField(
        source="execution.status", read_only=True, default=None
    )
    triggered_by = serializers.CharField(
        source="triggered_by.username", read_only=True, default=None
    )

    class Meta:
        model = ScheduleRun
        fields = [
            "id",
            "schedule",
            "trigger",
            "attempt",
            "retry_of",
            "status",
            "scheduled_for",
            "message",
            "execution",
            "execution_status",
            "triggered_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class EnabledSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


def _webhook_url(value: str) -> None:
    """Refused now if it points where the hub must not post (checked again at each send)."""
    if value:
        try:
            outbound.check_url(value, purpose=outbound.WEBHOOK)
        except outbound.OutboundRefused as exc:
            raise serializers.ValidationError(exc.message) from exc


def _plain_address(value: str) -> None:
    """A mailbox on a named domain: no quoted local part and no [address] literal, which
    would let a rule aim the hub's mail relay at an address instead of a domain."""
    local, _sep, domain = value.rpartition("@")
    if '"' in local or domain.startswith("[") or any(c in value for c in ",;<>\r\n"):
        raise serializers.ValidationError("Give a plain address such as ops@example.com.")


class NotificationRuleSerializer(serializers.ModelSerializer):
    """A notification rule; the webhook secret is write-only (the mask keeps it)."""

    name = StrictCharField(max_length=200)
    schedule = VisiblePrimaryKeyField(Schedule, required=False, allow_null=True)
    plan = VisiblePrimaryKeyField(ExecutionPlan, required=False, allow_null=True)
    webhook_url = serializers.URLField(
        max_length=1000,
        required=False,
        allow_blank=True,
        validators=[URLValidator(schemes=["http", "https"]), _webhook_url],
    )
    webhook_secret = StrictCharField(
        write_only=True, required=False, allow_blank=True, max_length=1024, trim_whitespace=False
    )
    has_webhook_secret = serializers.SerializerMethodField()
    email_to = serializers.ListField(
        child=serializers.EmailField(validators=[_plain_address]), required=False, max_length=50
    )
    perms = PermsField()

    class Meta:
        model = NotificationRule
        fields = [
            "id",
            "name",
            "schedule",
            "plan",
            "notify_on",
            "channel",
            "webhook_url",
            "webhook_secret",
            "has_webhook_secret",
            "email_to",
            "enabled",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_has_webhook_secret(self, obj: NotificationRule) -> bool:
        return bool(obj.webhook_secret)

    def _merged(self, attrs: dict[str, Any], name: str) -> Any:
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name) if self.instance is not None else None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        schedule, plan = self._merged(attrs, "schedule"), self._merged(attrs, "plan")
        if (schedule is None) == (plan is None):
            raise serializers.ValidationError({"schedule": ["Give a schedule or a plan."]})
        request = self.context.get("request")
        target = schedule or plan
        if request is not None and not user_can(request.user, target, "change"):
            field = "schedule" if schedule else "plan"
            raise serializers.ValidationError(
                {field: ["You may not change this " + field + "'s notifications."]}
            )
        channel = self._merged(attrs, "channel")
        if channel == Channel.WEBHOOK and not self._merged(attrs, "webhook_url"):
            raise serializers.ValidationError({"webhook_url": ["Give the webhook URL."]})
        if channel == Channel.EMAIL:
            emails = self._merged(attrs, "email_to") or []
            if not emails:
                raise serializers.ValidationError({"email_to": ["Give at least one address."]})
            for address in emails:
                validate_email(address)
        if attrs.get("webhook_secret") == MASK:
            attrs.pop("webhook_secret")
        return attrs


class NotificationDeliverySerializer(serializers.ModelSerializer):
    """A delivery attempt; the reply code of a failed one is shown to administrators only
    (to others it would tell a closed port from a 403: a port-scan oracle)."""

    class Meta:
        model = NotificationDelivery
        fields = [
            "id",
            "rule",
            "execution",
            "schedule_run",
            "event",
            "is_test",
            "status",
            "response_code",
            "error",
            "duration_ms",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: NotificationDelivery) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if instance.status != DeliveryStatus.SENT and not getattr(user, "is_staff", False):
            data["response_code"] = None
        return data

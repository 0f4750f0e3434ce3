"""Input of the launch endpoints (quick script, file transfer, plan execute, control)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from hub.core.limits import ID_MAX
from hub.core.serializers import StrictCharField
from hub.inventory.api.serializers import VisiblePrimaryKeyField
from hub.inventory.models import Account
from hub.jobs.models import StoredFile
from hub.scripts.choices import ScriptType
from hub.scripts.models import ScriptTemplate


class TargetsMixin(serializers.Serializer):
    target_host_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        max_length=5000,
        default=list,
    )
    target_group_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        max_length=1000,
        default=list,
    )
    account_id = VisiblePrimaryKeyField(Account, source="account", required=False, allow_null=True)
    timeout = serializers.IntegerField(min_value=1, max_value=86400, required=False)
    concurrency = serializers.IntegerField(min_value=1, max_value=500, required=False)
    name = StrictCharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("target_host_ids") and not attrs.get("target_group_ids"):
            raise serializers.ValidationError(
                {"target_host_ids": ["Choose at least one target host or group."]}
            )
        return attrs


class QuickScriptSerializer(TargetsMixin):
    script_content = StrictCharField(required=False, trim_whitespace=False, max_length=1024 * 1024)
    script_template = VisiblePrimaryKeyField(ScriptTemplate, required=False, allow_null=True)
    script_version = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    script_type = serializers.ChoiceField(choices=ScriptType.choices, default=ScriptType.SHELL)
    parameters = serializers.DictField(required=False, default=dict)
    script_args = serializers.ListField(
        child=StrictCharField(max_length=65536, trim_whitespace=False),
        required=False,
        max_length=100,
        default=list,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        has_content = bool(attrs.get("script_content", "").strip())
        if has_content == bool(attrs.get("script_template")):
            raise serializers.ValidationError(
                {"script_content": ["Give script_content or script_template (one of them)."]}
            )
        if not attrs.get("script_template"):
            for key, value in attrs.get("parameters", {}).items():
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    raise serializers.ValidationError(
                        {"parameters": [f"{key}: inline script parameters are strings or numbers."]}
                    )
        return attrs


class FileTransferSerializer(TargetsMixin):
    mode = serializers.ChoiceField(choices=["push", "fetch"], default="push")
    files = serializers.ListField(
        child=serializers.FileField(max_length=255), required=False, max_length=50, default=list
    )
    file_ids = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=100, default=list
    )
    destination = StrictCharField(max_length=1024, required=False, allow_blank=True)
    path = StrictCharField(max_length=1024, required=False, allow_blank=True)

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "getlist"):  # multipart: lists arrive as repeated fields
            plain = {k: data.get(k) for k in data}
            for key in ("files", "file_ids", "target_host_ids", "target_group_ids"):
                values = data.getlist(key)
                if len(values) == 1 and isinstance(values[0], str) and "," in values[0]:
                    values = values[0].split(",")
                plain[key] = values
            data = plain
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["mode"] == "push":
            if not attrs.get("files") and not attrs.get("file_ids"):
                raise serializers.ValidationError({"files": ["Upload at least one file."]})
            if not attrs.get("destination", "").startswith("/"):
                raise serializers.ValidationError({"destination": ["Give an absolute path."]})
            stored = list(StoredFile.objects.filter(pk__in=attrs.get("file_ids", [])))
            if len(stored) != len(set(attrs.get("file_ids", []))):
                raise serializers.ValidationError({"file_ids": ["Unknown file id."]})
            attrs["stored_files"] = stored
        elif not attrs.get("path", "").startswith("/"):
            raise serializers.ValidationError({"path": ["Give an absolute path to fetch."]})
        return attrs


class PlanLaunchSerializer(serializers.Serializer):
    variables = serializers.DictField(required=False, default=dict)
    concurrency = serializers.IntegerField(min_value=1, max_value=500, required=False)


class ConnectionTestSerializer(serializers.Serializer):
    host_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), min_length=1, max_length=5000
    )
    wait = serializers.FloatField(min_value=0, max_value=120, default=60)


class LaunchResultSerializer(serializers.Serializer):
    execution_id = serializers.IntegerField()
    status = serializers.CharField()


class ConnectionResultSerializer(serializers.Serializer):
    host_id = serializers.IntegerField()
    host_name = serializers.CharField()
    result = serializers.CharField(help_text="Outcome of this check (success/unreachable/...).")
    status = serializers.CharField(help_text="The host's stored connection status now.")
    message = serializers.CharField()
    checked_at = serializers.DateTimeField(allow_null=True)


class ConnectionTestResultSerializer(serializers.Serializer):
    execution_id = serializers.IntegerField()
    status = serializers.CharField()
    results = ConnectionResultSerializer(many=True)

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from hub.core.serializers import (
    DescriptionField,
    PermsField,
    StoredJSONField,
    StrictCharField,
    string_list_validator,
)
from hub.scripts.choices import EntryType, ScriptType, VersionStatus
from hub.scripts.models import DangerousCommandRule, ScriptTemplate, ScriptVersion
from hub.scripts.parameters import clean_declarations, public_declarations
from hub.scripts.safety import validate_pattern

MAX_SCRIPT_BYTES = 1024 * 1024


class ScriptTemplateSerializer(serializers.ModelSerializer):
    name = StrictCharField(
        max_length=200,
        validators=[
            UniqueValidator(ScriptTemplate.objects.all(), message="A script with this name exists.")
        ],
    )
    category = StrictCharField(max_length=100, required=False, allow_blank=True)
    description = DescriptionField()
    script_type = serializers.ChoiceField(choices=ScriptType.choices, required=False)
    entry_type = serializers.ChoiceField(
        choices=EntryType.choices,
        read_only=True,
        help_text="script, or playbook: an imported role, run by its playbook (the content).",
    )
    files = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="A playbook entry's files next to its playbook (paths), e.g. its roles.",
    )
    tags = StoredJSONField(required=False, validators=[string_list_validator])
    content = StrictCharField(max_length=MAX_SCRIPT_BYTES, trim_whitespace=False)
    parameters = StoredJSONField(required=False)
    comment = StrictCharField(max_length=255, required=False, allow_blank=True, write_only=True)
    current_version = serializers.IntegerField(
        source="current_version.number", read_only=True, default=None
    )
    version_count = serializers.IntegerField(read_only=True, default=0)
    created_by_name = serializers.CharField(
        source="created_by.username", read_only=True, default=None
    )
    perms = PermsField()

    class Meta:
        model = ScriptTemplate
        fields = [
            "id",
            "name",
            "script_type",
            "entry_type",
            "category",
            "tags",
            "description",
            "content",
            "parameters",
            "files",
            "comment",
            "current_version",
            "version_count",
            "created_by_name",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_content(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Script content may not be empty.")
        if "\x00" in value:
            raise serializers.ValidationError("Script content may not contain NUL bytes.")
        return value

    def validate_parameters(self, value: Any) -> list[dict[str, Any]]:
        current = getattr(self.instance, "current_version", None)
        return clean_declarations(value, current.parameters if current else None)

    def to_representation(self, instance: ScriptTemplate) -> dict[str, Any]:
        data = super().to_representation(instance)
        version = instance.current_version
        if "content" in self.fields:
            data["content"] = version.content if version else ""
        data["parameters"] = public_declarations(version.parameters if version else [])
        if "files" in self.fields:
            data["files"] = sorted(version.files) if version else []
        return data


class ScriptListSerializer(ScriptTemplateSerializer):
    """The list view leaves out content and files to keep pages small."""

    class Meta(ScriptTemplateSerializer.Meta):
        fields = [f for f in ScriptTemplateSerializer.Meta.fields if f not in ("content", "files")]


class ScriptVersionSerializer(serializers.ModelSerializer):
    created_by_name = serializers.CharField(
        source="created_by.username", read_only=True, default=None
    )

    class Meta:
        model = ScriptVersion
        fields = [
            "id",
            "number",
            "content",
            "parameters",
            "comment",
            "status",
            "created_by_name",
            "created_at",
        ]

    def to_representation(self, instance: ScriptVersion) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["parameters"] = public_declarations(instance.parameters)
        return data


class RollbackSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class VersionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VersionStatus.choices)


class DiffQuerySerializer(serializers.Serializer):
    from_version = serializers.IntegerField(min_value=1)
    to_version = serializers.IntegerField(min_value=1)

    def to_internal_value(self, data: Any) -> Any:
        data = {"from_version": data.get("from"), "to_version": data.get("to")}
        return super().to_internal_value(data)


class CheckSerializer(serializers.Serializer):
    script_type = serializers.ChoiceField(choices=ScriptType.choices)
    content = StrictCharField(max_length=MAX_SCRIPT_BYTES, trim_whitespace=False)


class DangerousRuleSerializer(serializers.ModelSerializer):
    script_types = serializers.ListField(
        child=serializers.ChoiceField(ScriptType.choices), required=False
    )

    class Meta:
        model = DangerousCommandRule
        fields = ["id", "pattern", "script_types", "action", "description", "enabled", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_pattern(self, value: str) -> str:
        return validate_pattern(value)


class ScriptDiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    diff = serializers.CharField(allow_blank=True, help_text="Unified diff of the contents.")
    from_content = serializers.CharField(allow_blank=True)
    to_content = serializers.CharField(allow_blank=True)
    parameters_changed = serializers.BooleanField()


class RuleMatchSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField()
    action = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)


class CheckResultSerializer(serializers.Serializer):
    matches = RuleMatchSerializer(many=True)
    blocked = serializers.BooleanField()

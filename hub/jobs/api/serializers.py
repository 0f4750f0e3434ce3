from __future__ import annotations

import json
import re
from typing import Any

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from hub.core.crypto import MASK
from hub.core.outbound import OutboundRefused, check_git_url
from hub.core.serializers import (
    DescriptionField,
    PermsField,
    StoredJSONField,
    StrictCharField,
)
from hub.inventory.api.serializers import VisiblePrimaryKeyField
from hub.inventory.models import Account, Host, HostGroup
from hub.jobs.choices import FailurePolicy, StepType, VariableType
from hub.jobs.models import (
    ExecutionPlan,
    JobStep,
    JobTemplate,
    PlanStep,
    StoredFile,
    TemplateVariable,
)
from hub.scripts.models import ScriptTemplate
from hub.scripts.parameters import NAME

BATCH = re.compile(r"^(\d{1,5}|\d{1,3}%|\+\d{1,4})$")


def validate_batch_size(value: str) -> None:
    if not value:
        return
    if not BATCH.match(value):
        raise serializers.ValidationError(
            'Use a count ("5"), a percentage ("20%") or a growing count ("+5").'
        )
    number = int(value.strip("+%"))
    if number < 1 or (value.endswith("%") and number > 100):
        raise serializers.ValidationError("Batch size must be at least 1 (and at most 100%).")


def _check_variable_value(var_type: str, value: Any, where: str = "value") -> Any:
    if var_type == VariableType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise serializers.ValidationError({where: ["Must be a number."]})
    elif var_type == VariableType.HOST_LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError({where: ["Must be a list of host names."]})
    elif not isinstance(value, str) or len(value) > 65536:
        raise serializers.ValidationError({where: ["Must be a string (at most 65536 chars)."]})
    return value


class VariableSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=64)
    value = StoredJSONField(required=False, allow_null=True)

    class Meta:
        model = TemplateVariable
        fields = ["name", "var_type", "value", "description", "required"]

    def validate_name(self, value: str) -> str:
        if not NAME.match(value):
            raise serializers.ValidationError("Must be an identifier (letters, digits, _).")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        value = attrs.get("value")
        if value is not None and value != "" and value != MASK:
            _check_variable_value(attrs.get("var_type", VariableType.STRING), value)
        return attrs

    def to_representation(self, instance: TemplateVariable) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.var_type == VariableType.SECRET:
            data["value"] = MASK if instance.secret_value else ""
        return data


class StepSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)
    name = StrictCharField(max_length=200)
    script = VisiblePrimaryKeyField(ScriptTemplate, allow_null=True, required=False)
    script_content = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=1024 * 1024
    )
    parameters = StoredJSONField(required=False)
    target_hosts = VisiblePrimaryKeyField(Host, many=True, required=False)
    target_groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)
    account = VisiblePrimaryKeyField(Account, allow_null=True, required=False)
    timeout = serializers.IntegerField(min_value=0, max_value=86400, required=False)
    batch_size = serializers.CharField(
        required=False, allow_blank=True, max_length=16, validators=[validate_batch_size]
    )
    batch_failure_policy = serializers.ChoiceField(choices=FailurePolicy.choices, required=False)
    source_files = serializers.ListField(
        child=serializers.UUIDField(format="hex_verbose"), required=False, max_length=100
    )

    class Meta:
        model = JobStep
        fields = [
            "id",
            "order",
            "name",
            "step_type",
            "script",
            "script_version",
            "script_type",
            "script_content",
            "parameters",
            "use_template_targets",
            "target_hosts",
            "target_groups",
            "account",
            "timeout",
            "ignore_errors",
            "batch_size",
            "batch_failure_policy",
            "source_files",
            "destination",
            "fetch_path",
            "playbook_file",
            "playbook_url",
            "playbook_ref",
            "playbook_path",
        ]
        extra_kwargs = {"order": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("step_type", StepType.SCRIPT)
        if kind == StepType.SCRIPT:
            self._validate_script_step(attrs)
        elif kind == StepType.PLAYBOOK:
            self._validate_playbook_step(attrs)
        elif kind == StepType.FILE_PUSH:
            if not attrs.get("source_files"):
                raise serializers.ValidationError({"source_files": ["Upload at least one file."]})
            self._validate_files(attrs)
            self._require_absolute(attrs, "destination")
        else:
            self._require_absolute(attrs, "fetch_path")
        if not attrs.get("use_template_targets", True) and not (
            attrs.get("target_hosts") or attrs.get("target_groups")
        ):
            raise serializers.ValidationError(
                {"target_hosts": ["Choose target hosts or groups, or use the template's."]}
            )
        return attrs

    def _validate_playbook_step(self, attrs: dict[str, Any]) -> None:
        """A playbook runs arbitrary Ansible on the hub's workers: administrators only."""
        request = self.context.get("request")
        if request is None or not request.user.is_staff:
            raise serializers.ValidationError(
                {"step_type": ["Only administrators may add playbook steps."]}
            )
        file_id, url = attrs.get("playbook_file"), attrs.get("playbook_url", "").strip()
        if bool(file_id) == bool(url):
            raise serializers.ValidationError(
                {"playbook_file": ["Give an uploaded playbook or a git URL (one of them)."]}
            )
        if url and not re.match(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:", url):
            raise serializers.ValidationError(
                {"playbook_url": ["Use an https://, ssh://, git:// or file:// git URL."]}
            )
        if url:
            try:
                check_git_url(url)  # and again by the clone, at each run
            except OutboundRefused as exc:
                raise serializers.ValidationError({"playbook_url": [exc.message]}) from exc
        path = attrs.get("playbook_path", "")
        if path.startswith("/") or ".." in path.split("/"):
            raise serializers.ValidationError(
                {"playbook_path": ["Give a path relative to the repository."]}
            )
        if file_id:
            stored = StoredFile.objects.filter(pk=file_id).first()
            if stored is None:
                raise serializers.ValidationError({"playbook_file": ["Unknown file id."]})
            from hub.jobs.compiler import PlaybookError, check_playbook
            from hub.jobs.services import stored_file_path

            try:
                check_playbook(stored_file_path(stored.pk).read_text(encoding="utf-8"))
            except (PlaybookError, UnicodeDecodeError) as exc:
                raise serializers.ValidationError({"playbook_file": [str(exc)]}) from exc

    def _require_absolute(self, attrs: dict[str, Any], field: str) -> None:
        value = attrs.get(field, "")
        if not value.startswith("/") and not re.match(r"^[A-Za-z]:\\", value):
            raise serializers.ValidationError({field: ["Give an absolute path."]})

    def _validate_script_step(self, attrs: dict[str, Any]) -> None:
        from hub.jobs.services import split_step_parameters

        script = attrs.get("script")
        if script is None and not attrs.get("script_content", "").strip():
            raise serializers.ValidationError(
                {"script": ["Choose a library script or write inline content."]}
            )
        if script is not None:
            number = attrs.get("script_version")
            if number is not None and not script.versions.filter(number=number).exists():
                raise serializers.ValidationError(
                    {"script_version": [f"Script has no version {number}."]}
                )
            attrs["script_type"] = script.script_type
        plain, secret = split_step_parameters(
            script,
            attrs.get("script_version"),
            attrs.get("parameters", {}),
            self._existing_step(attrs),
        )
        attrs["parameters"], attrs["secret_parameters"] = plain, secret

    def _existing_step(self, attrs: dict[str, Any]) -> JobStep | None:
        """The stored step this item updates; nested under a template's `steps` list the
        serializer has no instance of its own, so masked secrets are looked up here."""
        if self.instance is not None:
            return self.instance
        template = getattr(getattr(self.parent, "parent", None), "instance", None)
        if not isinstance(template, JobTemplate) or not attrs.get("id"):
            return None
        return template.steps.filter(pk=attrs["id"]).first()

    def _validate_files(self, attrs: dict[str, Any]) -> None:
        ids = [str(f) for f in attrs.get("source_files", [])]
        known = {
            str(pk) for pk in StoredFile.objects.filter(pk__in=ids).values_list("pk", flat=True)
        }
        if missing := [i for i in ids if i not in known]:
            raise serializers.ValidationError(
                {"source_files": [f"Unknown file id(s): {missing[:5]}. Upload them first."]}
            )
        attrs["source_files"] = ids

    def to_representation(self, instance: JobStep) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["parameters"] = {
            **instance.parameters,
            **dict.fromkeys(instance.secret_parameter_values, MASK),
        }
        data["source_files"] = [str(f) for f in instance.source_files]
        return data


class JobTemplateSerializer(serializers.ModelSerializer):
    name = StrictCharField(
        max_length=200,
        validators=[
            UniqueValidator(
                JobTemplate.objects.all(), message="A job template with this name exists."
            )
        ],
    )
    description = DescriptionField()
    target_hosts = VisiblePrimaryKeyField(Host, many=True, required=False)
    target_groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)
    account = VisiblePrimaryKeyField(Account, allow_null=True, required=False)
    variables = VariableSerializer(many=True, required=False)
    steps = StepSerializer(many=True, required=False)
    plan_count = serializers.IntegerField(read_only=True, default=0)
    perms = PermsField()

    class Meta:
        model = JobTemplate
        fields = [
            "id",
            "name",
            "description",
            "target_hosts",
            "target_groups",
            "account",
            "variables",
            "steps",
            "version",
            "plan_count",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]

    def validate_variables(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = [v["name"] for v in value]
        if len(names) != len(set(names)):
            raise serializers.ValidationError("Variable names must be unique.")
        return value

    def validate_steps(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > 200:
            raise serializers.ValidationError("At most 200 steps.")
        for index, step in enumerate(value, start=1):
            step["order"] = index
        return value


class PlanStepSerializer(serializers.ModelSerializer):
    step = serializers.PrimaryKeyRelatedField(queryset=JobStep.objects.all(), allow_null=True)
    target_hosts = VisiblePrimaryKeyField(Host, many=True, required=False)
    target_groups = VisiblePrimaryKeyField(HostGroup, many=True, required=False)

    class Meta:
        model = PlanStep
        fields = ["step", "step_name", "order", "override_targets", "target_hosts", "target_groups"]
        read_only_fields = ["step_name", "order"]


class ExecutionPlanSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=200)
    description = DescriptionField()
    template = VisiblePrimaryKeyField(JobTemplate)
    template_name = serializers.CharField(source="template.name", read_only=True)
    steps = PlanStepSerializer(many=True, required=False)
    variable_values = StoredJSONField(required=False)
    needs_sync = serializers.BooleanField(read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)
    perms = PermsField()

    class Meta:
        model = ExecutionPlan
        fields = [
            "id",
            "template",
            "template_name",
            "name",
            "description",
            "steps",
            "variable_values",
            "needs_sync",
            "synced_version",
            "template_version",
            "created_at",
            "updated_at",
            "perms",
        ]
        read_only_fields = ["id", "synced_version", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        template = attrs.get("template") or getattr(self.instance, "template", None)
        if template is None:  # unreachable: required on create, and an update has the instance's
            raise serializers.ValidationError({"template": ["This field is required."]})
        if (
            self.instance is not None
            and "template" in attrs
            and attrs["template"] != self.instance.template
        ):
            raise serializers.ValidationError({"template": ["A plan cannot change template."]})
        steps = attrs.get("steps")
        if steps is not None:
            seen: set[int] = set()
            for index, item in enumerate(steps):
                step = item["step"]
                if step is None or step.template_id != template.pk:
                    raise serializers.ValidationError(
                        {"steps": [f"steps[{index}] is not a step of this template."]}
                    )
                if step.pk in seen:
                    raise serializers.ValidationError(
                        {"steps": [f"steps[{index}] selects step {step.pk} twice."]}
                    )
                seen.add(step.pk)
        if "variable_values" in attrs:
            attrs["variable_values"], attrs["secret_values"] = self._split_values(
                template, attrs["variable_values"]
            )
        return attrs

    def _split_values(self, template: JobTemplate, values: Any) -> tuple[dict, str]:
        if not isinstance(values, dict):
            raise serializers.ValidationError({"variable_values": ["Must be an object."]})
        declared = {v.name: v for v in template.variables.all()}
        if unknown := set(values) - set(declared):
            raise serializers.ValidationError(
                {"variable_values": [f"Unknown variable(s): {sorted(unknown)}."]}
            )
        old_secret = self.instance.secret_value_map if self.instance else {}
        plain, secret = {}, {}
        for name, value in values.items():
            var = declared[name]
            if var.var_type == VariableType.SECRET:
                if value == MASK and name in old_secret:
                    secret[name] = old_secret[name]
                elif value not in (None, ""):
                    secret[name] = _check_variable_value(var.var_type, value, "variable_values")
            elif value is not None:
                plain[name] = _check_variable_value(var.var_type, value, "variable_values")
        return plain, json.dumps(secret) if secret else ""

    def to_representation(self, instance: ExecutionPlan) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["variable_values"] = {
            **instance.variable_values,
            **dict.fromkeys(instance.secret_value_map, MASK),
        }
        return data


class LaunchSerializer(serializers.Serializer):
    variables = StoredJSONField(required=False)
    concurrency = serializers.IntegerField(min_value=1, max_value=500, required=False)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255)


class StoredFileSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class StepRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlanSyncPreviewSerializer(serializers.Serializer):
    needs_sync = serializers.BooleanField()
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    added_steps = StepRefSerializer(many=True)
    removed_steps = StepRefSerializer(many=True)
    changed_steps = StepRefSerializer(many=True)
    added_variables = serializers.ListField(child=serializers.CharField())
    removed_variables = serializers.ListField(child=serializers.CharField())
    changed_variables = serializers.ListField(child=serializers.CharField())


class PlanSyncResultSerializer(PlanSyncPreviewSerializer):
    plan = ExecutionPlanSerializer()

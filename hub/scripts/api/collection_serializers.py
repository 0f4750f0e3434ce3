"""Inputs and outputs of the collection export/import endpoints."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from rest_framework import serializers

from hub.scripts.choices import EntryType
from hub.scripts.galaxy import COLLECTION_NAME, MAX_ARCHIVE_BYTES

_NAME_HELP = "Lowercase letters, digits and underscores, starting with a letter (2-64)."


class ExportCollectionQuerySerializer(serializers.Serializer):
    namespace = serializers.RegexField(
        COLLECTION_NAME,
        help_text=_NAME_HELP,
        error_messages={
            "invalid": "Collection namespace must be a lowercase identifier (e.g. acme)."
        },
    )
    name = serializers.RegexField(
        COLLECTION_NAME,
        help_text=_NAME_HELP,
        error_messages={
            "invalid": "Collection name must be a lowercase identifier (e.g. ops_scripts)."
        },
    )
    category = serializers.CharField(required=False, default="", max_length=100)
    tag = serializers.CharField(required=False, default="", max_length=100)
    ids = serializers.CharField(required=False, help_text="Comma-separated script ids.")

    def validate_ids(self, value: str) -> list[int]:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise serializers.ValidationError("Must be comma-separated script ids, e.g. 1,2.")
        return [int(p) for p in parts]


class ImportCollectionSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A collection tarball (.tar.gz) or a .tar.gz/.zip of a roles directory."
    )

    def validate_file(self, value: UploadedFile) -> UploadedFile:
        if (value.size or 0) > MAX_ARCHIVE_BYTES:
            raise serializers.ValidationError(
                f"The archive is larger than {MAX_ARCHIVE_BYTES} bytes."
            )
        return value


class ImportedScriptSerializer(serializers.Serializer):
    role = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    entry_type = serializers.ChoiceField(
        choices=EntryType.choices,
        help_text="script: the role ran one script; playbook: a playbook applying the role.",
    )
    version = serializers.IntegerField(allow_null=True)


class SkippedRoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    reason = serializers.CharField(help_text="Why the role was not imported (or left as is).")


class ImportReportSerializer(serializers.Serializer):
    imported = ImportedScriptSerializer(many=True)
    updated = ImportedScriptSerializer(many=True)
    skipped = SkippedRoleSerializer(many=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return dict(super().to_representation(instance))

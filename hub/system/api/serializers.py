from __future__ import annotations

from rest_framework import serializers

from hub.core.serializers import StoredJSONField


class SettingSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    value = serializers.JSONField(read_only=True)
    type = serializers.CharField(read_only=True)
    default = serializers.JSONField(read_only=True)
    description = serializers.CharField(read_only=True)
    minimum = serializers.IntegerField(read_only=True, allow_null=True)
    maximum = serializers.IntegerField(read_only=True, allow_null=True)
    choices = serializers.ListField(child=serializers.CharField(), read_only=True)


class SettingUpdateSerializer(serializers.Serializer):
    value = StoredJSONField()

from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from hub.scripts.models import DangerousCommandRule, ScriptTemplate, ScriptVersion


@admin.register(ScriptTemplate)
class ScriptTemplateAdmin(GuardedModelAdmin):
    list_display = ["name", "script_type", "category", "current_version"]
    search_fields = ["name"]


@admin.register(ScriptVersion)
class ScriptVersionAdmin(admin.ModelAdmin):
    list_display = ["script", "number", "status", "created_at"]
    readonly_fields = ["script", "number", "content", "parameters", "created_by"]


@admin.register(DangerousCommandRule)
class DangerousCommandRuleAdmin(admin.ModelAdmin):
    list_display = ["description", "pattern", "action", "enabled"]

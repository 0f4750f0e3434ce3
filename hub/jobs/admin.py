from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from hub.jobs.models import ExecutionPlan, JobTemplate


@admin.register(JobTemplate)
class JobTemplateAdmin(GuardedModelAdmin):
    list_display = ["name", "version", "created_by", "updated_at"]
    search_fields = ["name"]


@admin.register(ExecutionPlan)
class ExecutionPlanAdmin(GuardedModelAdmin):
    list_display = ["name", "template", "synced_version"]
    exclude = ["secret_values"]

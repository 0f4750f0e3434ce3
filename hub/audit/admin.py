from django.contrib import admin
from django.http import HttpRequest

from hub.audit.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr"]

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

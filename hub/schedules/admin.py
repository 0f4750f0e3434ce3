from django.contrib import admin

from hub.schedules.models import NotificationDelivery, NotificationRule, Schedule, ScheduleRun


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "cron_expression", "timezone", "enabled", "target_kind")
    exclude = ("secret_values",)


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = ("schedule", "trigger", "attempt", "status", "created_at")
    list_filter = ("status", "trigger")


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "notify_on", "enabled")
    exclude = ("webhook_secret",)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = ("rule", "event", "status", "response_code", "created_at")

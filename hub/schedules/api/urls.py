from rest_framework.routers import SimpleRouter

from hub.schedules.api.views import NotificationRuleViewSet, ScheduleViewSet

router = SimpleRouter()
router.register("notifications", NotificationRuleViewSet, basename="notification-rule")
router.register("", ScheduleViewSet, basename="schedule")
urlpatterns = router.urls

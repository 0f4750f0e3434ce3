from rest_framework.routers import SimpleRouter

from hub.audit.api.views import AuditLogViewSet

router = SimpleRouter()
router.register("", AuditLogViewSet, basename="audit-log")
urlpatterns = router.urls

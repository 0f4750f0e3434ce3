from rest_framework.routers import SimpleRouter

from hub.scripts.api import views

router = SimpleRouter()
router.register("dangerous-rules", views.DangerousRuleViewSet, basename="dangerous-rule")
router.register("", views.ScriptTemplateViewSet, basename="script-template")
urlpatterns = router.urls

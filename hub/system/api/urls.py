from rest_framework.routers import SimpleRouter

from hub.system.api.views import SystemSettingViewSet

router = SimpleRouter()
router.register("", SystemSettingViewSet, basename="system-setting")
urlpatterns = router.urls

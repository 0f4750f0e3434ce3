from rest_framework.routers import SimpleRouter

from hub.users.api.views import PermissionViewSet

router = SimpleRouter()
router.register("", PermissionViewSet, basename="permission")
urlpatterns = router.urls

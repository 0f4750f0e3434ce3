from rest_framework.routers import SimpleRouter

from hub.inventory.api import views

router = SimpleRouter()
router.register("groups", views.HostGroupViewSet, basename="hostgroup")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("", views.HostViewSet, basename="host")
urlpatterns = router.urls

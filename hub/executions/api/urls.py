from rest_framework.routers import SimpleRouter

from hub.executions.api import views

router = SimpleRouter()
router.register("execution-records", views.ExecutionViewSet, basename="execution")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from hub.jobs.api import views

router = SimpleRouter()
router.register("plans", views.ExecutionPlanViewSet, basename="plan")
router.register("files", views.StoredFileViewSet, basename="stored-file")
router.register("", views.JobTemplateViewSet, basename="job-template")
urlpatterns = router.urls

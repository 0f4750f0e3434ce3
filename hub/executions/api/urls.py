from django.urls import path
from rest_framework.routers import SimpleRouter

from hub.executions.api import entrypoints, views

router = SimpleRouter()
router.register("execution-records", views.ExecutionViewSet, basename="execution")
urlpatterns = router.urls

quick_urlpatterns = [
    path("execute_script/", entrypoints.QuickScriptView.as_view(), name="quick-execute-script"),
    path("transfer_file/", entrypoints.QuickFileView.as_view(), name="quick-transfer-file"),
]
template_urlpatterns = [
    path("plans/<int:pk>/execute/", entrypoints.PlanExecuteView.as_view(), name="plan-execute"),
    path("plans/<int:pk>/export/", entrypoints.PlanExportView.as_view(), name="plan-export"),
    path("<int:pk>/export/", entrypoints.TemplateExportView.as_view(), name="template-export"),
]
host_urlpatterns = [
    path("test_connection/", entrypoints.ConnectionTestView.as_view(), name="host-test-connection"),
]

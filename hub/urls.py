"""URL map: the API paths fixed by SPEC.md section 9, ops endpoints and the UI."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hub.core import views as core_views
from hub.executions.api import urls as execution_urls
from hub.executions.realtime.sse import sse_logs
from hub.metrics import views as metrics_views

api: list[URLPattern | URLResolver] = [
    path("auth/", include("hub.users.api.urls")),
    path("hosts/", include(execution_urls.host_urlpatterns)),
    path("hosts/", include("hub.inventory.api.urls")),
    path("script-templates/", include("hub.scripts.api.urls")),
    path("templates/", include(execution_urls.template_urlpatterns)),
    path("templates/", include("hub.jobs.api.urls")),
    path("quick/", include(execution_urls.quick_urlpatterns)),
    path("realtime/sse/logs/<int:execution_id>/", sse_logs, name="sse-logs"),
    path("executor/", include("hub.executions.api.urls")),
    path("permissions/audit-logs/", include("hub.audit.api.urls")),
    path("permissions/", include("hub.users.api.permission_urls")),
    path("system/", include("hub.system.api.urls")),
    path("scheduler/", include("hub.schedules.api.urls")),
    path("dashboard/", include("hub.dashboard.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("health/", core_views.health, name="health"),
    path("metrics", metrics_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include(api)),
    re_path(r"^api/.*$", core_views.api_not_found),
    re_path(r"^(?!api/|admin/|static/|ws/)(?P<path>.*)$", core_views.spa, name="spa"),
]

handler404 = "hub.core.views.api_not_found"
handler500 = "hub.core.views.api_server_error"

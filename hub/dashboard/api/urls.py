from django.urls import path

from hub.dashboard.api import views

urlpatterns = [
    path("stats/", views.StatsView.as_view(), name="dashboard-stats"),
    path("trend/", views.TrendView.as_view(), name="dashboard-trend"),
    path("health/", views.HealthView.as_view(), name="dashboard-health"),
]

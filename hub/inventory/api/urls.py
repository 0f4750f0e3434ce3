from django.urls import path
from rest_framework.routers import SimpleRouter

from hub.inventory.api import cloud_views, views

router = SimpleRouter()
router.register("groups", views.HostGroupViewSet, basename="hostgroup")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("cloud-accounts", cloud_views.CloudAccountViewSet, basename="cloudaccount")
router.register("cloud-syncs", cloud_views.CloudSyncViewSet, basename="cloudsync")
router.register("", views.HostViewSet, basename="host")
urlpatterns = [
    path(
        "sync_cloud_hosts/", cloud_views.SyncCloudHostsView.as_view(), name="host-sync-cloud-hosts"
    ),
    *router.urls,
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from hub.scripts.api import collection_views, views

router = SimpleRouter()
router.register("dangerous-rules", views.DangerousRuleViewSet, basename="dangerous-rule")
router.register("", views.ScriptTemplateViewSet, basename="script-template")
urlpatterns = [
    # Before the router: these are library-wide, not actions on one script.
    path(
        "export_collection/",
        collection_views.ExportCollectionView.as_view(),
        name="script-template-export-collection",
    ),
    path(
        "hub_collection/",
        collection_views.HubCollectionView.as_view(),
        name="script-template-hub-collection",
    ),
    path(
        "import_collection/",
        collection_views.ImportCollectionView.as_view(),
        name="script-template-import-collection",
    ),
    *router.urls,
]

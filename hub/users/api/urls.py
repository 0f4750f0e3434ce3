from django.urls import path
from rest_framework.routers import SimpleRouter

from hub.users.api import token_views, views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("groups", views.UserGroupViewSet, basename="user-group")
router.register("tokens", token_views.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("captcha/", views.CaptchaView.as_view(), name="auth-captcha"),
    *router.urls,
]

"""HTML pages.  The page views of the platform plug in here (namespace ``pages``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_pages

app_name = "pages"

urlpatterns = [
    path("", views_pages.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

"""HTML pages (namespace ``pages``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_choice, views_curation, views_pages

app_name = "pages"

urlpatterns = [
    path("", views_pages.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("analyses/", views_pages.history, name="history"),
    path("analyses/new/", views_pages.upload, name="upload"),
    path("analyses/new/<slug:token>/", views_choice.upload_choice, name="upload-choice"),
    path("analyses/compare/", views_pages.compare, name="compare"),
    path("analyses/<int:analysis_id>/", views_pages.analysis_detail, name="analysis"),
    path(
        "analyses/<int:analysis_id>/outcome/",
        views_pages.analysis_outcome,
        name="analysis-outcome",
    ),
    path(
        "analyses/<int:analysis_id>/rows/<int:row>/",
        views_pages.compound_detail,
        name="analysis-row",
    ),
    path(
        "analyses/<int:analysis_id>/charts/rt/",
        views_pages.analysis_rt_chart,
        name="analysis-rt-chart",
    ),
    path(
        "analyses/<int:analysis_id>/charts/<slug:kind>/",
        views_pages.analysis_overview_chart,
        name="analysis-chart",
    ),
    path(
        "analyses/<int:analysis_id>/download/<str:kind>/",
        views_pages.analysis_download,
        name="analysis-download",
    ),
    path(
        "analyses/<int:analysis_id>/download/<str:kind>/again/",
        views_pages.analysis_export_again,
        name="analysis-export-again",
    ),
    path(
        "analyses/<int:analysis_id>/rerun/",
        views_curation.analysis_rerun,
        name="analysis-rerun",
    ),
    path(
        "analyses/<int:analysis_id>/curation/",
        views_curation.analysis_curation,
        name="analysis-curation",
    ),
    path(
        "analyses/<int:analysis_id>/curation/audit.csv",
        views_curation.analysis_audit_csv,
        name="analysis-audit",
    ),
    path(
        "analyses/<int:analysis_id>/rows/",
        views_curation.compound_goto,
        name="compound-goto",
    ),
    path(
        "analyses/<int:analysis_id>/rows/<int:row>/decide/",
        views_curation.compound_decide,
        name="analysis-row-decide",
    ),
    path(
        "analyses/<int:analysis_id>/delete/",
        views_pages.analysis_delete,
        name="analysis-delete",
    ),
]

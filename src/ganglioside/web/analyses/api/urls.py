from django.urls import path

from . import views, views_files, views_rows

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("analyses/", views.AnalysisListCreateView.as_view(), name="analysis-list"),
    path("analyses/compare/", views.CompareView.as_view(), name="analysis-compare"),
    path("analyses/<int:pk>/", views.AnalysisDetailView.as_view(), name="analysis-detail"),
    path(
        "analyses/<int:pk>/compounds/",
        views_rows.CompoundListView.as_view(),
        name="analysis-compounds",
    ),
    path("analyses/<int:pk>/models/", views_rows.RTModelListView.as_view(), name="analysis-models"),
    path(
        "analyses/<int:pk>/fragments/",
        views_rows.FragmentListView.as_view(),
        name="analysis-fragments",
    ),
    path(
        "analyses/<int:pk>/export/<str:export_format>",
        views_files.ExportView.as_view(),
        name="analysis-export",
    ),
    path("analyses/<int:pk>/rerun/", views.AnalysisRerunView.as_view(), name="analysis-rerun"),
    path(
        "analyses/<int:pk>/decisions/",
        views_rows.DecisionListCreateView.as_view(),
        name="analysis-decisions",
    ),
    path(
        "analyses/<int:pk>/decisions/audit.csv",
        views_files.AuditView.as_view(),
        name="analysis-audit",
    ),
]

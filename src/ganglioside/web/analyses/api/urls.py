from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("analyses/", views.AnalysisListCreateView.as_view(), name="analysis-list"),
    path("analyses/compare/", views.CompareView.as_view(), name="analysis-compare"),
    path("analyses/<int:pk>/", views.AnalysisDetailView.as_view(), name="analysis-detail"),
    path(
        "analyses/<int:pk>/compounds/",
        views.CompoundListView.as_view(),
        name="analysis-compounds",
    ),
    path("analyses/<int:pk>/models/", views.RTModelListView.as_view(), name="analysis-models"),
    path(
        "analyses/<int:pk>/fragments/",
        views.FragmentListView.as_view(),
        name="analysis-fragments",
    ),
    path(
        "analyses/<int:pk>/export/<str:export_format>",
        views.ExportView.as_view(),
        name="analysis-export",
    ),
    path("analyses/<int:pk>/rerun/", views.AnalysisRerunView.as_view(), name="analysis-rerun"),
    path(
        "analyses/<int:pk>/decisions/",
        views.DecisionListCreateView.as_view(),
        name="analysis-decisions",
    ),
    path(
        "analyses/<int:pk>/decisions/audit.csv",
        views.AuditView.as_view(),
        name="analysis-audit",
    ),
]

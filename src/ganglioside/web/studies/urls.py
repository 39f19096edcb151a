"""Study pages (namespace ``studies``)."""

from django.urls import path

from . import views, views_compare

app_name = "studies"

urlpatterns = [
    path("studies/", views.study_list, name="list"),
    path("studies/new/", views.study_new, name="new"),
    path("studies/<int:study_id>/", views.study_detail, name="detail"),
    path("studies/<int:study_id>/design/", views.study_design, name="design"),
    path("studies/<int:study_id>/finish/", views.study_finish, name="finish"),
    path("studies/<int:study_id>/samples/<int:sample_id>/", views.sample_detail, name="sample"),
    path(
        "studies/<int:study_id>/samples/<int:sample_id>/analysis/",
        views.sample_analysis,
        name="sample-analysis",
    ),
    path(
        "studies/<int:study_id>/samples/<int:sample_id>/rerun/",
        views.sample_rerun,
        name="sample-rerun",
    ),
    path("studies/<int:study_id>/download/<str:name>", views.download, name="download"),
    path("studies/<int:study_id>/delete/", views.study_delete, name="delete"),
    path("studies/<int:study_id>/compare/", views_compare.compare_pick, name="compare-pick"),
    path(
        "studies/<int:study_id>/compare/<int:other_id>/",
        views_compare.compare_page,
        name="comparison",
    ),
    path(
        "studies/<int:study_id>/compare/<int:other_id>/comparison.csv",
        views_compare.compare_csv,
        name="comparison-csv",
    ),
]

from django.urls import path

from . import views

app_name = "studies-api"

urlpatterns = [
    path("studies/", views.StudyListCreateView.as_view(), name="study-list"),
    path("studies/<int:pk>/", views.StudyDetailView.as_view(), name="study-detail"),
    path("studies/<int:pk>/samples/", views.StudySampleListView.as_view(), name="study-samples"),
    path(
        "studies/<int:pk>/samples/<int:sample_id>/rerun/",
        views.StudySampleRerunView.as_view(),
        name="sample-rerun",
    ),
    path(
        "studies/<int:pk>/samples/<int:sample_id>/compounds/",
        views.StudySampleCompoundsView.as_view(),
        name="sample-compounds",
    ),
    path("studies/<int:pk>/design/", views.StudyDesignView.as_view(), name="study-design"),
    path("studies/<int:pk>/finish/", views.StudyFinishView.as_view(), name="study-finish"),
    path("studies/<int:pk>/matrix/", views.StudyMatrixView.as_view(), name="study-matrix"),
    path(
        "studies/<int:pk>/statistics/",
        views.StudyStatisticsView.as_view(),
        name="study-statistics",
    ),
    path("studies/<int:pk>/files/<str:name>", views.StudyFileView.as_view(), name="study-file"),
    path(
        "studies/<int:pk>/compare/<int:other_id>/",
        views.StudyCompareView.as_view(),
        name="study-compare",
    ),
    path(
        "studies/<int:pk>/compare/<int:other_id>/csv/",
        views.StudyCompareCsvView.as_view(),
        name="study-compare-csv",
    ),
]

"""Pages of the methods app (namespace ``methods``)."""

from django.urls import path

from . import views

app_name = "methods"

urlpatterns = [
    path("methods/", views.method_list, name="list"),
    path("methods/new/", views.method_edit, name="new"),
    path("methods/<int:method_id>/", views.method_edit, name="edit"),
    path("methods/<int:method_id>/delete/", views.method_delete, name="delete"),
]

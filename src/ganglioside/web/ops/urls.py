"""URLs of the operations app, included at the root by ``ganglioside.web.urls``."""

from django.urls import path

from . import views

urlpatterns = [path("metrics", views.metrics, name="metrics")]

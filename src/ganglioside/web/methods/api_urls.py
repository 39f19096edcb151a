"""API URLs of the methods app (under ``/api/v1/``, namespace ``methods-api``)."""

from rest_framework.routers import SimpleRouter

from .api import MethodViewSet

app_name = "methods-api"

router = SimpleRouter()
router.register("methods", MethodViewSet, basename="method")
urlpatterns = router.urls

from django.urls import path

from .consumers import StudyProgressConsumer

websocket_urlpatterns = [
    path("ws/studies/<int:study_id>/", StudyProgressConsumer.as_asgi()),
]

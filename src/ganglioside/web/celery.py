"""The Celery application (used when ``REDIS_URL`` is set).

Configuration comes from the Django settings (``CELERY_*``): Redis broker, late
acknowledgement, time limits and the beat schedule of the stuck-run sweep.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganglioside.web.settings")

app = Celery("ganglioside")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ganglioside.web.analyses"])

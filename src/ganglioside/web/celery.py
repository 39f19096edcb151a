"""The Celery application (used when ``REDIS_URL`` is set).

Configuration comes from the Django settings (``CELERY_*``): Redis broker, late
acknowledgement, time limits and the beat schedule of the stuck-run sweep.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganglioside.web.settings")

app = Celery("ganglioside")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ganglioside.web.analyses", "ganglioside.web.studies"])


@worker_init.connect
def _warm_up_worker(**_: object) -> None:
    """The worker loads the analysis stack before its pool starts: the pool processes fork
    from a warm parent and take their first task as fast as the next ones."""
    from django.conf import settings

    if getattr(settings, "GANGLIOSIDE_WORKER_WARM_UP", True):
        from ganglioside.web.analyses.warmup import warm_up

        warm_up()

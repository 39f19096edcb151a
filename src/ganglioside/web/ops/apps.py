from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ganglioside.web.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from . import request_id
        from . import signin_limits as _signin_limits  # noqa: F401 (connects its receivers)
        from . import tasks as _tasks  # noqa: F401 (registers the periodic task with Celery)

        # In a worker, the task id plays the role of the request id in the JSON logs.
        tokens = {}

        def started(task_id: str | None = None, **_: object) -> None:
            if task_id:
                tokens[task_id] = request_id.activate(f"task:{task_id}")

        def finished(task_id: str | None = None, **_: object) -> None:
            token = tokens.pop(task_id, None) if task_id else None
            if token is not None:
                request_id.deactivate(token)

        task_prerun.connect(started, weak=False, dispatch_uid="ganglioside-ops-task-id-start")
        task_postrun.connect(finished, weak=False, dispatch_uid="ganglioside-ops-task-id-end")

from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "ganglioside.web.analyses"
    label = "analyses"
    verbose_name = "Analyses"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ..common.errors import answer_service_errors
        from .errors import ANALYSIS_ERRORS

        answer_service_errors(ANALYSIS_ERRORS)

from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "ganglioside.web.analyses"
    label = "analyses"
    verbose_name = "Analyses"
    default_auto_field = "django.db.models.BigAutoField"

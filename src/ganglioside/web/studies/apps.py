from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "ganglioside.web.studies"
    label = "studies"
    verbose_name = "Studies"
    default_auto_field = "django.db.models.BigAutoField"

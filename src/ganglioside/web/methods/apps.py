from django.apps import AppConfig


class MethodsConfig(AppConfig):
    name = "ganglioside.web.methods"
    label = "methods"
    verbose_name = "Methods and column mappings"
    default_auto_field = "django.db.models.BigAutoField"

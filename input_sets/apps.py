from django.apps import AppConfig


class InputSetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "input_sets"

    def ready(self):
        from . import jobs  # noqa: F401 — registers the "diff" job kind

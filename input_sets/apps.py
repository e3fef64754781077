from django.apps import AppConfig


class InputSetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "input_sets"

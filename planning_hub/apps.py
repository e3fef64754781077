from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningHubConfig(AppConfig):
    """Cross-cutting parts of the project: API tokens, API plumbing, metrics, home page."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "planning_hub"
    verbose_name = _("Planning Hub")

    def ready(self):
        from . import metrics
        from .api import schema  # noqa: F401 — registers the OpenAPI auth extension

        metrics.initialise_known_labels()  # known label sets are on /metrics at 0

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = _("Plans")

    def ready(self):
        from django_q.signals import post_spawn

        from .tasks import recover_stale_jobs

        # When a cluster (re)starts its workers, jobs left "running" by dead workers fail.
        post_spawn.connect(recover_stale_jobs, dispatch_uid="plans_recover_stale_jobs")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "planning_hub.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self):
        from django_q.signals import post_spawn

        from .worker import on_worker_spawn

        # every cluster worker process runs the heartbeat/stale-job monitor thread
        post_spawn.connect(on_worker_spawn, dispatch_uid="jobs_worker_monitor")

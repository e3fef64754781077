from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = _("Plans")

    def ready(self):
        from django.db.models.signals import post_delete
        from django_q.signals import post_spawn

        from . import jobs  # noqa: F401 — registers the "plan" job kind
        from .models import PlanSeriesSegment
        from .series_store import delete_segment_file_on_commit
        from .tasks import recover_stale_jobs

        # a segment row's file goes when the deletion commits (plan delete, retention, re-run)
        post_delete.connect(
            delete_segment_file_on_commit,
            sender=PlanSeriesSegment,
            dispatch_uid="plans_delete_segment_file",
        )
        # When a cluster (re)starts its workers: stale jobs fail, orphan segment files go.
        post_spawn.connect(recover_stale_jobs, dispatch_uid="plans_recover_stale_jobs")

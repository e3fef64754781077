"""``manage.py list_planning_input_sets``: the sets, newest update first."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from input_sets import selectors
from input_sets.choices import InputSetStatus

from ._common import print_json


class Command(BaseCommand):
    help = "List input sets, filtered by status and config version."

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=[*InputSetStatus.values, "all"], default="all")
        parser.add_argument("--version-id", type=int)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        sets = selectors.input_set_list(status=opts["status"], config_version_id=opts["version_id"])
        rows = [
            {
                "id": s.pk,
                "label": s.label,
                "status": s.status,
                "source": s.source,
                "config_version_id": s.config_version_id,
                "content_hash": s.content_hash,
                "created_by": s.created_by.get_username() if s.created_by else None,
                "approved_by": s.approved_by or None,
                "updated_at": s.updated_at.isoformat(),
            }
            for s in sets
        ]
        if opts["json"]:
            print_json(self, {"input_sets": rows})
            return
        for row in rows:
            updated = timezone.localtime(timezone.datetime.fromisoformat(row["updated_at"]))
            self.stdout.write(
                f"{row['label']:<40} {row['status']:<9} v{row['config_version_id']:<5} "
                f"{row['source']:<5} {updated:%Y-%m-%d %H:%M}"
            )

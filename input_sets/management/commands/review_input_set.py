"""``manage.py review_input_set``: approve, revert or archive from the shell (runbook §3)."""

from django.core.management.base import BaseCommand

from input_sets.exceptions import InputSetError
from input_sets.services import input_set_review
from input_sets.services.review import REVIEW_ACTIONS

from ._common import fail, print_json


class Command(BaseCommand):
    help = "Approve (draft→ready), revert (ready→draft) or archive an input set."

    def add_arguments(self, parser):
        parser.add_argument("--label", required=True)
        parser.add_argument("--action", required=True, choices=REVIEW_ACTIONS)
        parser.add_argument(
            "--reviewer", required=True, help="Reviewer id recorded as approved_by / actor."
        )
        parser.add_argument("--comment", default="")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        try:
            input_set = input_set_review(
                label=opts["label"],
                action=opts["action"],
                reviewer=opts["reviewer"],
                comment=opts["comment"],
                metadata={"source": "cli"},
            )
        except InputSetError as exc:
            raise fail(str(exc)) from exc
        payload = {
            "status": "ok",
            "action": opts["action"],
            "input_set": {
                "id": input_set.pk,
                "label": input_set.label,
                "status": input_set.status,
                "approved_by": input_set.approved_by or None,
                "approved_at": input_set.approved_at.isoformat() if input_set.approved_at else None,
                "review_comment": input_set.review_comment,
            },
        }
        if opts["json"]:
            print_json(self, payload)
        else:
            self.stdout.write(f"{input_set.label}: {opts['action']} → {input_set.status}")

"""``manage.py show_planning_input_events``: the audit trail of one input set."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from input_sets import selectors
from input_sets.exceptions import InputSetNotFound

from ._common import fail, print_json


class Command(BaseCommand):
    help = "Show an input set's events, newest first (runbook §4 evidence)."

    def add_arguments(self, parser):
        parser.add_argument("--label", required=True)
        parser.add_argument("--limit", type=int, default=100, help="1–500 (default 100).")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if not 1 <= opts["limit"] <= 500:
            raise fail("--limit must be between 1 and 500.")
        try:
            input_set = selectors.input_set_get(label=opts["label"])
        except InputSetNotFound as exc:
            raise fail(str(exc)) from exc
        payload = selectors.input_set_events_payload(input_set=input_set, limit=opts["limit"])
        if opts["json"]:
            print_json(self, payload)
            return
        info = payload["input_set"]
        self.stdout.write(
            f"{info['label']} (id={info['id']}, config_version={info['config_version_id']}, "
            f"status={info['status']})"
        )
        for event in selectors.input_set_events(input_set=input_set, limit=opts["limit"]):
            when = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S %Z")
            self.stdout.write(
                f"{when}  {event.action:<8} {event.actor or '-':<16} {event.comment or '-'}"
            )

"""``manage.py purge_input_set_diffs [--label L]``: drop cached diffs (replaces the runbook's
``rm tmp/input_set_diffs/...``); the next request recomputes them."""

from django.core.management.base import BaseCommand

from input_sets.services import input_set_diffs_purge


class Command(BaseCommand):
    help = "Delete cached input-set diffs, of one set (either side) or all."

    def add_arguments(self, parser):
        parser.add_argument("--label", help="Only diffs involving this set.")

    def handle(self, *args, **opts):
        count = input_set_diffs_purge(label=opts["label"])
        self.stdout.write(f"purged {count} cached diff(s)")

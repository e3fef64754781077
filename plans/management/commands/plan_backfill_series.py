"""``manage.py plan_backfill_series``: move legacy ``PlanSeries`` rows into the columnar store
(issue 9 item 5; seed ``002`` T5-1). Logic: :func:`plans.backfill.plan_series_backfill`."""

from django.core.management.base import BaseCommand

from input_sets.management.commands._common import fail, print_json
from plans.backfill import plan_series_backfill


class Command(BaseCommand):
    help = (
        "Move the series of plans made before the columnar store (PlanSeries rows) into Parquet "
        "segments, one transaction per plan; plans that already have segments are skipped. "
        "Exit 1 unless every plan was moved (a dry run writes nothing and exits 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and convert, but write nothing."
        )
        parser.add_argument("--limit", type=int, metavar="N", help="At most N plans.")
        parser.add_argument(
            "--resume-from",
            metavar="VERSION_ID",
            help="Start at this plan version (inclusive; plans go in version id order).",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **opts):
        try:
            report = plan_series_backfill(
                dry_run=opts["dry_run"], limit=opts["limit"], resume_from=opts["resume_from"]
            )
        except ValueError as exc:
            raise fail(str(exc)) from exc
        if opts["json"]:
            print_json(self, report)
        else:
            verb = "would move" if report["dry_run"] else "moved"
            self.stdout.write(
                f"{report['plans_seen']} plan(s) with legacy series: {verb} "
                f"{report['plans_moved']} ({report['rows_moved']} rows), "
                f"skipped {report['plans_skipped']} (already in segments), "
                f"failed {len(report['failed'])}"
            )
            for failure in report["failed"]:
                self.stderr.write(f"  {failure['plan']}: {failure['error']}")
        if report["failed"] and not report["dry_run"]:
            raise fail(f"{len(report['failed'])} plan(s) were not moved; see the errors above.")

"""``manage.py plan_db_maint``: backup and restore (database plus plan series segments) and
plan retention (seed ``002`` T6; issue 9 item 6). Backup logic: :mod:`plans.backup`."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from input_sets.management.commands._common import fail
from plans.backup import BackupError, backup_restore, backup_write
from plans.models import PlanKPI
from plans.series_store import remove_orphan_segments
from plans.services import plans_apply_retention


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup API or pg_dump) with every plan series "
        "segment into a directory, restore such a backup, and trim whole plans by age or count; "
        "plans of baseline runs are always kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backup",
            metavar="PATH",
            help="Write a backup directory PATH (new or empty): database, segments/, "
            "manifest.json.",
        )
        parser.add_argument(
            "--restore",
            metavar="PATH",
            help="Replace the database and the series segments by the backup in PATH (checked "
            "first; stop the web server and workers). Needs --yes.",
        )
        parser.add_argument(
            "--yes", action="store_true", help="Confirm --restore (it overwrites everything)."
        )
        parser.add_argument("--trim-older-than-days", type=int)
        parser.add_argument("--max-plans", type=int)
        parser.add_argument(
            "--kpi-retention-months",
            type=int,
            help="Delete month/week KPI rows older than N months.",
        )
        parser.add_argument(
            "--remove-orphan-segments",
            action="store_true",
            help="Delete series segment files no plan points to (left by killed runs); also "
            "done after every trim.",
        )

    def handle(self, *args, **opts):
        if (
            not any(
                opts[k] is not None
                for k in (
                    "backup",
                    "restore",
                    "trim_older_than_days",
                    "max_plans",
                    "kpi_retention_months",
                )
            )
            and not opts["remove_orphan_segments"]
        ):
            self.print_help("manage.py", "plan_db_maint")
            return
        if opts["restore"] is not None:
            if any(
                opts[k] is not None
                for k in ("backup", "trim_older_than_days", "max_plans", "kpi_retention_months")
            ):
                raise fail("--restore cannot be combined with other actions.")
            if not opts["yes"]:
                raise fail(
                    f"--restore replaces the whole database and every series segment by the "
                    f"backup in {opts['restore']}; add --yes to confirm."
                )
            try:
                report = backup_restore(opts["restore"])
            except BackupError as exc:
                raise fail(str(exc)) from exc
            self.stdout.write(
                f"restored {report['vendor']} database of {report['created_at']} and "
                f"{report['segments']} segment(s) from {opts['restore']}; removed "
                f"{report['orphans_removed']} orphan segment file(s)"
            )
            return
        if opts["backup"]:
            try:
                manifest = backup_write(opts["backup"])
            except BackupError as exc:
                raise fail(str(exc)) from exc
            self.stdout.write(
                f"backup written to {opts['backup']} ({manifest['database']}, "
                f"{manifest['segment_count']} segment(s), {manifest['segment_bytes']} bytes)"
            )
        if opts["trim_older_than_days"] is not None or opts["max_plans"] is not None:
            removed = plans_apply_retention(
                max_plans=opts["max_plans"] or 0,
                older_than_days=opts["trim_older_than_days"],
                reason="maintenance",
            )
            self.stdout.write(f"trimmed {len(removed)} plan(s)")
            opts["remove_orphan_segments"] = True
        if opts["kpi_retention_months"] is not None:
            cutoff = timezone.now() - timezone.timedelta(days=30 * opts["kpi_retention_months"])
            # total KPIs stay with their plan; only the per-bucket detail is aged out
            deleted, _ = (
                PlanKPI.objects.exclude(bucket_type="total")
                .filter(plan__created_at__lt=cutoff)
                .delete()
            )
            self.stdout.write(f"deleted {deleted} KPI row(s)")
        if opts["remove_orphan_segments"]:
            self.stdout.write(f"removed {remove_orphan_segments()} orphan segment file(s)")

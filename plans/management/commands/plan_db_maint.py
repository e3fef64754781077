"""``manage.py plan_db_maint``: database backup and plan retention (seed ``002`` T6)."""

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from input_sets.management.commands._common import fail
from plans.models import PlanKPI
from runs.services import plans_apply_retention


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup API or pg_dump) and trim whole plans by age "
        "or count; plans of baseline runs are always kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backup", metavar="PATH")
        parser.add_argument("--trim-older-than-days", type=int)
        parser.add_argument("--max-plans", type=int)
        parser.add_argument(
            "--kpi-retention-months",
            type=int,
            help="Delete month/week KPI rows older than N months.",
        )

    def handle(self, *args, **opts):
        if not any(
            opts[k] is not None
            for k in ("backup", "trim_older_than_days", "max_plans", "kpi_retention_months")
        ):
            self.print_help("manage.py", "plan_db_maint")
            return
        if opts["backup"]:
            self._backup(Path(opts["backup"]))
        if opts["trim_older_than_days"] is not None or opts["max_plans"] is not None:
            removed = plans_apply_retention(
                max_plans=opts["max_plans"] or 0,
                older_than_days=opts["trim_older_than_days"],
                reason="maintenance",
            )
            self.stdout.write(f"trimmed {len(removed)} plan(s)")
        if opts["kpi_retention_months"] is not None:
            cutoff = timezone.now() - timezone.timedelta(days=30 * opts["kpi_retention_months"])
            # total KPIs stay with their plan; only the per-bucket detail is aged out
            deleted, _ = (
                PlanKPI.objects.exclude(bucket_type="total")
                .filter(plan__created_at__lt=cutoff)
                .delete()
            )
            self.stdout.write(f"deleted {deleted} KPI row(s)")

    def _backup(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(path)
            with target:
                connection.connection.backup(target)
            target.close()
        elif connection.vendor == "postgresql":
            env = {"PGPASSWORD": settings.get("PASSWORD") or ""}
            cmd = [
                "pg_dump",
                "-Fc",
                "-f",
                str(path),
                "-h",
                settings.get("HOST") or "localhost",
                "-p",
                str(settings.get("PORT") or 5432),
                "-U",
                settings["USER"],
                settings["NAME"],
            ]
            try:
                subprocess.run(cmd, check=True, env={**__import__("os").environ, **env})
            except (OSError, subprocess.CalledProcessError) as exc:
                raise fail(f"pg_dump failed: {exc}") from exc
        else:
            raise fail(f"Backups are not supported for {connection.vendor}.")
        self.stdout.write(f"backup written to {path}")

"""``manage.py create_plan``: plan a ready input set (through a worker, or inline with --sync)."""

import time

from django.core.management.base import BaseCommand

from input_sets.management.commands._common import fail, print_json
from planning_hub.errors import DomainError
from plans.models import JobStatus, PlanJob, Trigger
from plans.selectors import plan_summary
from plans.services import plan_create_and_execute

PARAM_OPTIONS = (
    "lt_unit",
    "round_mode",
    "cutover_date",
    "recon_window_days",
    "anchor_policy",
    "tol_abs",
    "tol_rel",
)


class Command(BaseCommand):
    help = (
        "Create a plan from a ready input set and run the planning pipeline. Without --sync "
        "the job is queued for the django-q2 cluster (`manage.py qcluster`); --wait waits for it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--config-version-id", type=int, required=True)
        parser.add_argument("--input-set-label", help="A ready input set of that config version.")
        parser.add_argument(
            "--legacy-input-dir",
            help="Legacy mode: plan from loose files without an input set (recorded as legacy).",
        )
        parser.add_argument("--sync", action="store_true", help="Run in this process.")
        parser.add_argument("--wait", action="store_true", help="Queue, then wait for the worker.")
        parser.add_argument("--timeout", type=int, default=1800, help="Seconds to --wait.")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--lt-unit", choices=["day", "week"])
        parser.add_argument("--round-mode", choices=["none", "int", "dec1", "dec2"])
        parser.add_argument("--cutover-date", help="YYYY-MM-DD")
        parser.add_argument("--recon-window-days", type=int)
        parser.add_argument("--anchor-policy", choices=["DET_near", "AGG_far", "blend"])
        parser.add_argument("--tol-abs", type=float)
        parser.add_argument("--tol-rel", type=float)
        parser.add_argument("--apply-adjusted", action="store_true")
        parser.add_argument("--note", default="")

    def handle(self, *args, **opts):
        params = {name: opts[name] for name in PARAM_OPTIONS if opts[name] is not None}
        if opts["apply_adjusted"]:
            params["apply_adjusted"] = True
        try:
            job = plan_create_and_execute(
                config_version_id=opts["config_version_id"],
                input_set_label=opts["input_set_label"],
                params=params,
                trigger=Trigger.CLI,
                sync=opts["sync"],
                legacy_input_dir=opts["legacy_input_dir"],
                note=opts["note"],
            )
        except DomainError as exc:
            raise fail(str(exc)) from exc
        if opts["wait"] and not opts["sync"]:
            job = self._wait(job.pk, opts["timeout"])
        payload = plan_summary(job=job)
        if opts["json"]:
            print_json(self, payload)
        else:
            self._print(payload)
        if job.status == JobStatus.FAILED:
            raise fail(f"Plan job {job.pk} failed: {job.error}")

    def _wait(self, job_id: int, timeout: int) -> PlanJob:
        deadline = time.monotonic() + timeout
        while True:
            job = PlanJob.objects.get(pk=job_id)
            if job.is_finished:
                return job
            if time.monotonic() > deadline:
                raise fail(f"Plan job {job_id} still {job.status} after {timeout} s.")
            self.stderr.write(
                f"\rjob {job_id}: {job.status} {job.progress:3d}% {job.current_step:<20}", ending=""
            )
            time.sleep(1)

    def _print(self, payload):
        self.stdout.write(
            f"plan {payload['plan_version']}  run {payload['run_id']}  job {payload['job']['id']} "
            f"{payload['status']}"
        )
        inputs = payload["input_set"]
        self.stdout.write(
            f"input set: {inputs['label'] or '(legacy mode)'}  hash {inputs['content_hash'] or '-'}"
        )
        for key, value in payload["kpis"].items():
            self.stdout.write(f"  {key:<18} {value:>14,.3f}")

"""Prometheus metrics of Planning Hub (names as in the seeds' runbooks, ``003`` §5–6, ``004`` §5).

Each metric is incremented exactly where its event happens, in the service layer. django-
prometheus exposes the default registry at ``/metrics``.
"""

from prometheus_client import Counter, Gauge, Histogram

input_set_imports_total = Counter(
    "input_set_imports_total", "Input-set imports by outcome and source.", ["result", "source"]
)
input_set_reviews_total = Counter(
    "input_set_reviews_total", "Input-set review transitions.", ["action"]
)
run_without_input_set_total = Counter(
    "run_without_input_set_total", "Plans run in legacy mode (no input set).", ["entrypoint"]
)
plans_created_total = Counter("plans_created_total", "Plan versions created.")
plans_reconciled_total = Counter(
    "plans_reconciled_total", "Plans whose pipeline ran through reconcile and were stored."
)
runs_total = Counter("runs_total", "Runs finished, by status.", ["status"])
jobs_enqueued_total = Counter("jobs_enqueued_total", "Jobs handed to workers.", ["type"])
jobs_completed_total = Counter("jobs_completed_total", "Jobs that succeeded.", ["type"])
jobs_failed_total = Counter("jobs_failed_total", "Jobs that failed.", ["type"])
jobs_duration_seconds = Histogram(
    "jobs_duration_seconds",
    "Job run time.",
    ["type"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800),
)
plan_series_rows_total = Counter("plan_series_rows_total", "Plan series rows written.")
plan_db_write_latency_seconds = Histogram(
    "plan_db_write_latency_seconds",
    "Time to persist one plan (series, KPIs, artifacts).",
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60),
)
plan_artifact_write_error_total = Counter(
    "plan_artifact_write_error_total", "Plan artifacts that could not be stored.", ["artifact"]
)
plan_db_capacity_trim_total = Counter(
    "plan_db_capacity_trim_total", "Plans deleted by the PLANS_DB_MAX_ROWS guard.", ["reason"]
)
plan_db_last_trim_timestamp = Gauge(
    "plan_db_last_trim_timestamp", "Unix time of the last plan trim.", multiprocess_mode="max"
)

input_set_diff_jobs_total = Counter(
    "input_set_diff_jobs_total", "Input-set diff jobs by result.", ["result"]
)
input_set_diff_cache_hits_total = Counter(
    "input_set_diff_cache_hits_total", "Diff requests answered from a fresh cached result."
)
input_set_diff_cache_stale_total = Counter(
    "input_set_diff_cache_stale_total", "Diff requests whose cached result was stale or failed."
)
input_set_diff_duration_seconds = Histogram(
    "input_set_diff_duration_seconds",
    "Time to compute and store one diff.",
    buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)

# --- Known label sets start at 0 ----------------------------------------------------------
# A labelled series exists only once ``labels(...)`` was called for it; until then dashboards
# show "no data" and ``increase()`` alerts cannot fire on the first event. Every process calls
# :func:`initialise_known_labels` at app start (``PlanningHubConfig.ready``), so a fresh
# ``/metrics`` lists each known series at 0. Values are the ones the services use.
ENTRYPOINTS = ("ui", "api", "cli")  # the Trigger values of plans and jobs
JOB_TYPES = ("plan", "diff")  # Job kinds: plans.jobs and the input-set diff job
RUN_STATUSES = ("succeeded", "failed")
ARTIFACT_NAMES = (  # plans/pipeline/result.py to_artifacts() plus what plans.services adds
    "aggregate.json",
    "sku_week.json",
    "mrp.json",
    "plan_final.json",
    "reconciliation_log.json",
    "balance_check.json",  # the pipeline's balance check (being added to to_artifacts)
    "sku_week_adjusted.json",
    "mrp_adjusted.json",
    "plan_final_adjusted.json",
    "reconciliation_log_adjusted.json",
    "warnings.json",
    "planning_inputs.json",
    "planning_input_set.json",
)
IMPORT_RESULTS = ("created", "updated", "validated", "rejected")
IMPORT_SOURCES = ("csv", "ui", "api", "seed")
REVIEW_ACTIONS = ("approve", "revert", "archive")
DIFF_RESULTS = ("success", "failure")
TRIM_REASONS = ("max_rows", "age")


def initialise_known_labels() -> None:
    """Create every known label combination at 0 (idempotent; never changes a value)."""
    for entrypoint in ENTRYPOINTS:
        run_without_input_set_total.labels(entrypoint=entrypoint)
    for job_type in JOB_TYPES:
        for metric in (
            jobs_enqueued_total,
            jobs_completed_total,
            jobs_failed_total,
            jobs_duration_seconds,
        ):
            metric.labels(type=job_type)
    for status in RUN_STATUSES:
        runs_total.labels(status=status)
    for artifact in ARTIFACT_NAMES:
        plan_artifact_write_error_total.labels(artifact=artifact)
    for result in IMPORT_RESULTS:
        for source in IMPORT_SOURCES:
            input_set_imports_total.labels(result=result, source=source)
    for action in REVIEW_ACTIONS:
        input_set_reviews_total.labels(action=action)
    for result in DIFF_RESULTS:
        input_set_diff_jobs_total.labels(result=result)
    for reason in TRIM_REASONS:
        plan_db_capacity_trim_total.labels(reason=reason)

"""Alert rules and the dashboard reference only metrics the application exports."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

MONITORING = Path(__file__).resolve().parent.parent / "monitoring"
SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created")
PROMQL_WORDS = {
    "sum",
    "rate",
    "increase",
    "by",
    "histogram_quantile",
    "le",
    "result",
    "type",
    "source",
    "action",
    "artifact",
    "entrypoint",
    "status",
    "m",
    "h",
    "d",
}


def exported_names() -> set[str]:
    import planning_hub.metrics  # noqa: F401 — registers the metrics

    names = set()
    for metric in REGISTRY.collect():
        names.add(metric.name)
        names.update(sample.name for sample in metric.samples)
    return names


def referenced(expr: str) -> set[str]:
    expr = re.sub(r'"[^"]*"', "", expr)  # label values
    return {w for w in re.findall(r"[a-z_][a-z0-9_]*", expr) if w not in PROMQL_WORDS and "_" in w}


def expressions() -> list[str]:
    rules = (MONITORING / "planning_hub.rules.yml").read_text()
    exprs = re.findall(r"^\s*expr:\s*(.+)$", rules, flags=re.M)
    dashboard = json.loads((MONITORING / "grafana_planning_hub.json").read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return exprs


def test_rules_and_dashboard_reference_existing_metrics():
    known = exported_names()
    missing = {
        name
        for expr in expressions()
        for name in referenced(expr)
        if name not in known and not any(name.removesuffix(s) in known for s in SUFFIXES)
    }
    assert not missing, f"unknown metrics: {sorted(missing)}"
    assert len(expressions()) >= 10


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool (Debian prometheus package) not installed"
)
def test_promtool_accepts_the_rules():
    subprocess.run(
        ["promtool", "check", "rules", str(MONITORING / "planning_hub.rules.yml")], check=True
    )


def scrape_fresh_server(tmp_path) -> str:
    """/metrics of a gunicorn just started on an empty multiprocess folder (nothing counted)."""
    import os
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    prom = tmp_path / "prometheus"
    prom.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(prom),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "METRICS_ALLOWED_IPS": "",
        "METRICS_BEARER_TOKEN": "",
    }
    root = MONITORING.parent
    argv = [sys.executable, "-m", "gunicorn", "planning_hub.wsgi:application"]
    argv += ["--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    server = subprocess.Popen(argv, cwd=root, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_fresh_server_lists_every_series_of_the_rules_and_dashboard_at_zero(tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    samples = [
        sample
        for family in text_string_to_metric_families(scrape_fresh_server(tmp_path))
        for sample in family.samples
    ]
    names = {s.name for s in samples}
    for expr in expressions():
        for name in referenced(expr):
            assert name in names or any(name + s in names for s in SUFFIXES), (name, expr)
        # label matchers such as {type="plan"} select an existing series
        for metric, matchers in re.findall(r"([a-z_][a-z0-9_]*)\{([^}]*)\}", expr):
            wanted = dict(re.findall(r'(\w+)="([^"]*)"', matchers))
            assert any(
                s.name.startswith(metric) and all(s.labels.get(k) == v for k, v in wanted.items())
                for s in samples
            ), (metric, wanted)

    def label_values(metric: str, label: str) -> set[str]:
        return {s.labels[label] for s in samples if s.name == metric and label in s.labels}

    assert label_values("run_without_input_set_total", "entrypoint") == {"ui", "api", "cli"}
    assert {"plan", "diff"} <= label_values("jobs_failed_total", "type")
    assert {"plan", "diff"} <= label_values("jobs_duration_seconds_count", "type")
    assert {"planning_input_set.json", "aggregate.json", "plan_final.json"} <= label_values(
        "plan_artifact_write_error_total", "artifact"
    )
    watched = (
        "run_without_input_set_total",
        "jobs_failed_total",
        "plan_artifact_write_error_total",
    )
    assert all(s.value == 0 for s in samples if s.name in watched)


def test_the_known_artifact_names_are_the_ones_a_plan_stores(ready_set):
    from planning_hub import metrics
    from plans.models import PlanArtifact
    from plans.services import plan_create_and_execute

    plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="cli", sync=True)
    stored = set(PlanArtifact.objects.values_list("name", flat=True))
    new = stored - set(metrics.ARTIFACT_NAMES)
    assert stored and not new, f"add {sorted(new)} to planning_hub.metrics.ARTIFACT_NAMES"

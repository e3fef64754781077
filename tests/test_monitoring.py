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

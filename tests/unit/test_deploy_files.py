"""The deploy files agree with the code: the dashboard queries metrics /metrics really exports
(and histogram buckets that exist), the image runs as a non-root user, compose migrates first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

import bot.learn.metrics  # noqa: F401  (the learning gauges, registered as the HTTP app does)
from bot.observability import render
from bot.observability.store_stats import watch_store
from bot.store import connect
from bot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _exported(tmp: Path) -> tuple[set[str], set[tuple[str, str]]]:
    db = connect(f"sqlite:///{tmp / 'm.db'}")
    upgrade(db.engine)
    watch_store(db)
    try:
        names: set[str] = set()
        buckets: set[tuple[str, str]] = set()
        for family in text_string_to_metric_families(render()[0].decode()):
            for s in family.samples:
                names.add(s.name)
                if s.name.endswith("_bucket"):
                    buckets.add((s.name, s.labels["le"]))
        return names, buckets
    finally:
        db.dispose()


def test_the_dashboard_only_queries_exported_series_and_existing_buckets(tmp_path: Path) -> None:
    from bot.observability import metrics

    # label-less series only appear once a labelled child exists: make one of each
    metrics.alerts_received([("generic", "firing")])
    metrics.remediation_finished("verified", automatic=False)
    metrics.notification_finished("slack", "failed")
    metrics.investigation_finished(1.0, "x")
    metrics.slack_ack(0.01, "slash_command")
    names, buckets = _exported(tmp_path)
    dash = json.loads((DEPLOY / "grafana" / "aiops.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    assert len(exprs) >= 10
    used = {m for e in exprs for m in re.findall(r"\baiops_[a-z_]+", e)}
    # exported once an incident was resolved in the window (tested in the /metrics tests)
    conditional = {"aiops_automation_rate"}
    # exported once outcomes were judged / labelled (tested in tests/integration/learn)
    conditional |= {"aiops_analyses_helpful_ratio", "aiops_top_one_accuracy",
                    "aiops_fix_worked_incidents"}  # fmt: skip
    assert used - names - conditional == set(), "the dashboard queries series nobody exports"
    for e in exprs:
        for name, le in re.findall(r'(aiops_[a-z_]+_bucket)\{le="([^"]+)"\}', e):
            assert (name, le) in buckets, f"{name} has no bucket le={le}"
    titles = " ".join(p["title"] for p in dash["panels"])
    for kpi in ("MTTR", "Automation rate", "SLO compliance", "top-1 accuracy", "common fixes"):
        assert kpi in titles


def test_the_image_runs_as_non_root_and_compose_migrates_before_the_bot_starts() -> None:
    docker = (DEPLOY / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", docker, re.M)
    assert users and not users[-1].startswith(("root", "0")), "the final stage must not run as root"
    assert "slim" in docker.splitlines()[1] or "-slim" in docker
    compose = yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())
    services = compose["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["bot"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert "postgresql+psycopg://" in services["bot"]["environment"]["DATABASE_URL"]


def test_the_helm_chart_has_replicas_a_token_secret_and_an_optional_service_monitor() -> None:
    chart = DEPLOY / "helm" / "aiops"
    values = yaml.safe_load((chart / "values.yaml").read_text())
    assert values["replicaCount"] >= 2
    assert "SLACK_BOT_TOKEN" in values["secrets"] and "SLACK_APP_TOKEN" in values["secrets"]
    assert values["serviceMonitor"]["enabled"] is False
    templates = {p.name: p.read_text() for p in (chart / "templates").glob("*.yaml")}
    assert "kind: Secret" in templates["secret.yaml"]
    assert "{{- if .Values.serviceMonitor.enabled }}" in templates["servicemonitor.yaml"]
    deployment = templates["deployment.yaml"]
    assert "replicas: {{ .Values.replicaCount }}" in deployment
    assert "/readyz" in deployment and "/healthz" in deployment

"""A detector storm's root verdict is stored with the incident and shown where on-call reads
it: the incident view (Slack card, ``aiops incident show``) names the root service, the basis,
the confidence and the evidence with its times. Runs on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.clock import SandboxClock
from bot.incidents.flows import IncidentFlows
from bot.incidents.grouping import group_alerts
from bot.ingest.models import AlertIn
from bot.store import Database
from bot.topology import Topology

T0 = datetime(2025, 5, 1, 10, 2, 3, tzinfo=UTC)
TOPO = Topology({"web": ["orders", "stock"], "orders": [], "stock": []})


def metric(kpi: str, pod: str, at: datetime) -> AlertIn:
    name = f"metric:{kpi}:up"
    return AlertIn(
        source="generic", fingerprint=f"{name}-{pod}", name=name, service=pod.split("-")[0],
        severity="warning", labels={"entity": pod, "kpi": kpi, "pod": pod}, starts_at=at,
    )  # fmt: skip


def call(caller: str, callee: str, at: datetime, op: str = "Get") -> AlertIn:
    labels = {"caller": caller, "callee": callee, "operation": op}
    return AlertIn(
        source="generic", fingerprint=f"{caller}-{callee}-{op}", name="trace:PD",
        service=callee.split("-")[0], severity="critical", labels=labels, starts_at=at,
    )  # fmt: skip


def storm() -> list[AlertIn]:
    """orders-0's own CPU, memory and thread anomalies, then (40 s later) its callers' slow
    calls into it."""
    own = [metric(k, "orders-0", T0) for k in ("cpu_usage", "memory_usage", "threads")]
    later = T0 + timedelta(seconds=40)
    return own + [call("web-0", "orders-0", later), call("web-1", "orders-0", later, "List")]


def test_the_storm_verdict_is_stored_and_in_the_incident_view(database: Database) -> None:
    flows = IncidentFlows(database, clock=SandboxClock(T0), topology=TOPO)
    outcomes = group_alerts(flows, storm())
    (incident_id,) = {o.incident_id for o in outcomes}
    assert incident_id is not None
    view = flows.view(incident_id)
    assert view.root_alert is not None and view.root_alert.service == "orders"
    verdict = view.root_verdict
    assert verdict is not None and verdict.basis == "own"
    assert 0.0 < verdict.confidence <= 1.0
    assert verdict.text.startswith(f"root service orders (confidence {verdict.confidence:.2f}")
    assert "orders-0's own anomalies (cpu_usage up" in verdict.text
    assert "the first at 10:02:03, 40 s before the first symptom" in verdict.text


def test_an_incident_that_is_not_a_storm_has_no_verdict(database: Database) -> None:
    flows = IncidentFlows(database, clock=SandboxClock(T0), topology=TOPO)
    (outcome,) = group_alerts(flows, [metric("cpu_usage", "orders-0", T0)])
    assert outcome.incident_id is not None
    assert flows.view(outcome.incident_id).root_verdict is None


def test_incident_show_prints_the_verdict(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.config import get_settings
    from bot.store import connect
    from handlers.cli.main import app

    db = connect(sqlite_url)
    flows = IncidentFlows(db, clock=SandboxClock(T0), topology=TOPO)
    incident_id = group_alerts(flows, storm())[0].incident_id
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("AIOPS_CONFIG", str(tmp_path / "none.toml"))
    get_settings.cache_clear()
    try:
        shown = CliRunner().invoke(app, ["incident", "show", str(incident_id)])
    finally:
        get_settings.cache_clear()
        db.dispose()
    assert shown.exit_code == 0, shown.output
    assert "why: root service orders (confidence" in shown.output
    assert "from its own anomalies" in shown.output

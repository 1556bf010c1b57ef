"""Predictive alerts through the real ingest path (SQLite store, correlator), read over HTTP from
the local Prometheus; escalation learning on constructed alert history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest
from sqlmodel import select

from bot.clock import SandboxClock
from bot.incidents.flows import IncidentFlows
from bot.incidents.grouping import group_alerts
from bot.ingest.models import AlertIn
from bot.predict.alerts import PredictionScanner, WatchedSeries, detect
from bot.predict.escalation import AlertEvent, learn, learn_from_store
from bot.store import Alert, Database, Incident
from integrations.metrics import MetricRef, PrometheusMetrics
from sandbox.metricgen import Series
from sandbox.prometheus import PrometheusSandbox, start_series_sandbox

NOW = datetime(2025, 5, 6, 10, tzinfo=UTC)


def _latency() -> Series:
    n = 360
    rng = np.random.default_rng(3)
    values = 0.2 + rng.normal(0, 0.01, n)
    values[-8:] = 1.5 + rng.normal(0, 0.01, 8)  # the last 8 minutes: a step up
    stamps = [NOW - timedelta(minutes=n - 1 - i) for i in range(n)]
    return Series("lat", "AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": "app/x"},
                  "p99", "Seconds", timedelta(minutes=1), stamps, [float(v) for v in values],
                  service="payment-api")  # fmt: skip


@pytest.fixture(scope="module")
def prom() -> Iterator[PrometheusSandbox]:
    with start_series_sandbox([_latency()], NOW) as server:
        yield server


def test_normal_vs_now_is_in_the_alert(prom: PrometheusSandbox, sqlite_database: Database) -> None:
    flows = IncidentFlows(sqlite_database, clock=SandboxClock(NOW))
    ref = MetricRef("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": "app/x"}, "p99")
    watched = [WatchedSeries("p99 latency of payment-api", ref, service="payment-api")]
    with httpx.Client(timeout=10) as client:
        scanner = PredictionScanner(
            {"default": PrometheusMetrics(client, prom.url)},
            watched,
            lambda alerts: group_alerts(flows, alerts),
        )
        first = scanner.scan(NOW)
        assert first and not scanner.errors
        again = scanner.scan(NOW)  # a re-scan updates the same alert
    assert [a.fingerprint for a in again] == [a.fingerprint for a in first]
    with sqlite_database.session() as session:
        rows = session.exec(select(Alert).where(Alert.source == "aiops")).all()
        assert len(rows) == len(first)
        alert = rows[0]
        assert alert.labels["prediction"] == "true" and alert.annotations["prediction"] is True
        assert "normal looks like 0.2" in alert.summary and "now 1.5" in alert.summary
        assert alert.repeat_count >= 1 and alert.service == "payment-api"
        assert alert.incident_id is not None
        incident_id = alert.incident_id
    # a real alert on the same service joins the incident the prediction opened
    (out,) = group_alerts(
        flows,
        [
            AlertIn(
                source="generic",
                fingerprint="g1",
                name="HighLatency",
                severity="critical",
                service="payment-api",
                starts_at=NOW + timedelta(minutes=2),
            )
        ],  # fmt: skip
    )
    assert out.incident_id == incident_id
    with sqlite_database.session() as session:
        assert len(session.exec(select(Incident)).all()) == 1


def test_quiet_series_raises_nothing() -> None:
    from integrations.metrics.models import MetricData

    rng = np.random.default_rng(5)
    stamps = [NOW - timedelta(minutes=300 - i) for i in range(300)]
    data = MetricData(MetricRef("n", "m"), stamps, list(10 + rng.normal(0, 0.3, 300)))
    assert detect(data) == []


def _history() -> list[AlertEvent]:
    t = datetime(2025, 3, 1, tzinfo=UTC)
    day = timedelta(days=1)
    ev = [
        AlertEvent("High Memory Warning", "api", "warning", t),
        AlertEvent("High Memory Warning", "api", "warning", t + timedelta(minutes=10)),  # repeat
        AlertEvent("Out Of Memory Critical", "api", "critical", t + timedelta(hours=2)),
        AlertEvent("High Memory Warning", "api", "warning", t + 2 * day),
        AlertEvent("Out Of Memory Critical", "api", "critical", t + 2 * day + timedelta(hours=2.6)),
        AlertEvent("High Memory Warning", "api", "warning", t + 4 * day),  # did not escalate
        AlertEvent("Out Of Memory Critical", "web", "critical", t + 4 * day + timedelta(hours=1)),
        AlertEvent("Disk Warning", "db", "warning", t),
        AlertEvent("Disk Full", "db", "critical", t + timedelta(hours=30)),  # beyond the horizon
    ]
    return ev


def test_escalation_probability_and_delay() -> None:
    model = learn(_history())
    (esc,) = model.for_warning("High Memory Warning")
    assert esc.critical == "Out Of Memory Critical"
    assert (esc.escalated, esc.episodes) == (2, 3)
    assert esc.mean_delay == timedelta(hours=2.3)
    assert model.hint("High Memory Warning") == (
        "High Memory Warning became Out Of Memory Critical 67% of the time, "
        "after 2.3 h on average (2 of 3)"
    )
    assert model.hint("Disk Warning") is None


def test_escalation_learned_from_stored_alerts(sqlite_database: Database) -> None:
    with sqlite_database.session() as session:
        for i, e in enumerate(_history()):
            session.add(Alert(source="generic", fingerprint=f"f{i}", name=e.name,
                              service=e.service, severity=e.severity, starts_at=e.at))  # fmt: skip
    model = learn_from_store(sqlite_database, since=datetime(2025, 2, 1, tzinfo=UTC))
    assert model.hint(
        "High Memory Warning",
    ).startswith(  # type: ignore[union-attr]
        "High Memory Warning became Out Of Memory Critical 67%"
    )

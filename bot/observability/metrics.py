"""The bot's own Prometheus metrics: one registry, one function per thing that happened.

Code paths call the functions (``alerts_received(...)``, ``incident_transition(...)``, …); the
HTTP app serves ``render()`` at ``/metrics``. Counters and histograms are per process (several
replicas are summed by Prometheus); gauges that must agree across replicas (incidents by state,
automation rate) are read from the database at scrape time by ``StoreCollector``.

A recording function never raises: metrics must not break the code path they observe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

#: incident durations: 30 s … 1 day
_DURATION_BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)

ALERTS = Counter(
    "aiops_alerts_received", "Alerts stored, by source", ["source", "status"], registry=REGISTRY
)
TRANSITIONS = Counter(
    "aiops_incident_transitions",
    "Incident status changes, by target status",
    ["to"],
    registry=REGISTRY,
)
MTTA = Histogram(
    "aiops_incident_time_to_acknowledge_seconds",
    "From incident creation to its first acknowledgement (MTTA)",
    buckets=_DURATION_BUCKETS,
    registry=REGISTRY,
)
MTTR = Histogram(
    "aiops_incident_time_to_resolve_seconds",
    "From incident creation to resolution (MTTR)",
    buckets=_DURATION_BUCKETS,
    registry=REGISTRY,
)
INVESTIGATIONS = Counter(
    "aiops_investigations", "Investigations finished, by incident class", ["incident_class"],
    registry=REGISTRY,
)  # fmt: skip
INVESTIGATION_SECONDS = Histogram(
    "aiops_investigation_duration_seconds",
    "Wall time of one investigation",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120),
    registry=REGISTRY,
)
REMEDIATIONS = Counter(
    "aiops_remediations",
    "Remediations that reached a final state, by result and whether a human approved them",
    ["result", "mode"],
    registry=REGISTRY,
)
NOTIFICATIONS = Counter(
    "aiops_notifications", "Notifications finished, by channel and status", ["channel", "status"],
    registry=REGISTRY,
)  # fmt: skip
NOTIFICATION_FAILURES = Counter(
    "aiops_notification_failures", "Notifications that failed after retries", ["channel"],
    registry=REGISTRY,
)  # fmt: skip
JOB_QUEUE = Gauge(
    "aiops_job_queue_depth", "Background jobs queued or running in this process",
    registry=REGISTRY,
)  # fmt: skip
SLACK_ACK = Histogram(
    "aiops_slack_ack_seconds",
    "Time from a Slack request reaching the app to its ack",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5),
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "aiops_http_requests", "HTTP requests served, by path family and status class",
    ["path", "code"], registry=REGISTRY,
)  # fmt: skip


def _safe(fn_name: str) -> None:
    log.debug("metric %s not recorded", fn_name, exc_info=True)


def alerts_received(items: Iterable[tuple[str, str]]) -> None:
    """``(source, status)`` of every alert stored."""
    try:
        for source, status in items:
            ALERTS.labels(source=source or "unknown", status=status or "firing").inc()
    except Exception:
        _safe("alerts_received")


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    if (start.tzinfo is None) != (end.tzinfo is None):  # SQLite hands back naive UTC
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return max(0.0, (end - start).total_seconds())


def incident_transition(
    to: str, created_at: datetime | None, now: datetime, first_ack: bool
) -> None:
    """An incident moved to ``to``; ``first_ack`` when this is its first acknowledgement."""
    try:
        TRANSITIONS.labels(to=str(to)).inc()
        took = _seconds(created_at, now)
        if took is None:
            return
        if first_ack:
            MTTA.observe(took)
        if str(to) == "resolved":
            MTTR.observe(took)
    except Exception:
        _safe("incident_transition")


def investigation_finished(seconds: float, incident_class: str | None) -> None:
    try:
        INVESTIGATIONS.labels(incident_class=incident_class or "unknown").inc()
        INVESTIGATION_SECONDS.observe(max(0.0, seconds))
    except Exception:
        _safe("investigation_finished")


def remediation_finished(result: str, *, automatic: bool) -> None:
    """A remediation reached ``result`` (verified, unverified, failed, rolled_back, …);
    ``unverified`` (nothing could check it) is its own label, never folded into ``verified``."""
    try:
        REMEDIATIONS.labels(result=result, mode="automatic" if automatic else "approved").inc()
    except Exception:
        _safe("remediation_finished")


def notification_finished(channel: str, status: str) -> None:
    try:
        NOTIFICATIONS.labels(channel=channel, status=status).inc()
        if status == "failed":
            NOTIFICATION_FAILURES.labels(channel=channel).inc()
    except Exception:
        _safe("notification_finished")


def job_queue_depth(depth: int) -> None:
    try:
        JOB_QUEUE.set(depth)
    except Exception:
        _safe("job_queue_depth")


def slack_ack(seconds: float, kind: str) -> None:
    try:
        SLACK_ACK.labels(kind=kind or "other").observe(max(0.0, seconds))
    except Exception:
        _safe("slack_ack")


def http_request(path: str, status: int) -> None:
    try:
        HTTP_REQUESTS.labels(path=path, code=f"{status // 100}xx").inc()
    except Exception:
        _safe("http_request")


def render() -> tuple[bytes, str]:
    """The exposition text and its content type, for ``/metrics``."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

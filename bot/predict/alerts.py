"""Anomalies on live series → predictive alerts (``AlertIn`` with source ``aiops``).

The detector is the online one in ``bot.forecast.anomaly`` (robust rolling median/quantiles,
novelty, anomaly likelihood, refractory period; scored on NAB). It runs over the series one
point at a time; the newest anomaly inside the look-back becomes ONE alert per series and kind
("normal looks like 12 (10–14), now 48"). The fingerprint is the series and the kind, so a
re-scan updates the same alert (a repeat) instead of adding one, and the alert goes through the
SAME ingest and correlation path as any webhook alert: it lands in the incident of its service
when one is open. ``labels.prediction = "true"`` and ``annotations.prediction`` mark it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.forecast.anomaly import AnomalyDetector, DetectorParams
from bot.forecast.models import AnomalyKind, AnomalyScore
from bot.ingest.models import AlertIn, fingerprint_of
from integrations.metrics.models import MetricData, MetricRef, MetricSource, MetricSourceError

SOURCE = "aiops"
# The NAB-tuned detector calls any new extreme "novel" and then damps the next 40 points; for
# alerting, a new extreme must also be 4 robust z from normal, so noise extremes do not start a
# refractory period that would hide the real event right after them.
ALERTING = DetectorParams(novelty_min_z=4.0)
WORDS = {
    AnomalyKind.SPIKE: "spike",
    AnomalyKind.DROP: "drop",
    AnomalyKind.LEVEL_SHIFT: "level shift",
    AnomalyKind.TREND_CHANGE: "trend change",
    AnomalyKind.PATTERN_BREAK: "pattern break",
}


@dataclass(frozen=True)
class WatchedSeries:
    name: str  # what people call it: "p99 latency of the web API"
    ref: MetricRef
    service: str | None = None
    source: str = "default"
    step_seconds: int = 60


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def describe(score: AnomalyScore) -> str:
    lo, hi = score.band
    return (
        f"normal looks like {_num(score.expected)} ({_num(lo)}–{_num(hi)}), now {_num(score.value)}"
    )


def detect(data: MetricData, detector: AnomalyDetector | None = None) -> list[AnomalyScore]:
    """Every anomalous point of the series, oldest first (one pass, online)."""
    det = detector or AnomalyDetector(ALERTING)
    found = []
    for ts, value in zip(data.timestamps, data.values, strict=True):
        score = det.update(ts, value)
        if score.is_anomaly:
            found.append(score)
    return found


def to_alert(series: WatchedSeries, score: AnomalyScore) -> AlertIn:
    kind = WORDS.get(score.kind, score.kind.value)
    at = score.timestamp if isinstance(score.timestamp, datetime) else None
    lo, hi = score.band
    return AlertIn(
        source=SOURCE,
        fingerprint=fingerprint_of(SOURCE, "anomaly", series.ref.key, score.kind.value),
        name=f"Predicted {kind}: {series.name}",
        status="firing",
        severity="warning",
        service=series.service,
        summary=f"{series.name}: {kind}; {describe(score)}",
        labels={
            "prediction": "true",
            "anomaly": score.kind.value,
            "metric": series.ref.name,
            **({"service": series.service} if series.service else {}),
        },
        annotations={
            "prediction": True,
            "expected": score.expected,
            "band": [lo, hi],
            "observed": score.value,
            "score": score.score,
        },
        starts_at=at.astimezone(UTC) if at else None,
    )


def predictive_alerts(series: WatchedSeries, data: MetricData, since: datetime) -> list[AlertIn]:
    """The newest anomaly of each kind at or after ``since``, as alerts."""
    newest: dict[AnomalyKind, AnomalyScore] = {}
    for score in detect(data):
        if isinstance(score.timestamp, datetime) and score.timestamp >= since:
            newest[score.kind] = score
    return [to_alert(series, s) for s in newest.values()]


class PredictionScanner:
    """Scan watched series and hand the alerts to ``submit`` (the ingest pipeline's
    ``submit`` or ``IncidentFlows.group_alerts``)."""

    def __init__(
        self,
        sources: dict[str, MetricSource],
        watched: Sequence[WatchedSeries],
        submit: Callable[[Sequence[AlertIn]], Any],
        *,
        history: timedelta = timedelta(hours=6),
        lookback: timedelta = timedelta(minutes=15),
    ) -> None:
        self.sources = sources
        self.watched = list(watched)
        self.submit = submit
        self.history = history
        self.lookback = lookback
        self.errors: list[str] = []

    def scan(self, now: datetime) -> list[AlertIn]:
        alerts: list[AlertIn] = []
        self.errors = []
        for w in self.watched:
            source = self.sources.get(w.source)
            if source is None:
                self.errors.append(f"{w.name}: no metric source named {w.source!r}")
                continue
            try:
                end = now + timedelta(seconds=1)
                data = source.read(w.ref, now - self.history, end, w.step_seconds)
            except MetricSourceError as exc:
                self.errors.append(f"{w.name}: {exc}")
                continue
            alerts.extend(predictive_alerts(w, data, now - self.lookback))
        if alerts:
            self.submit(alerts)
        return alerts

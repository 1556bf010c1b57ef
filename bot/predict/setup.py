"""The scheduled prediction scan of ``aiops run``: every watched capacity resource (configured
and discovered, see ``bot.capacity``) is also scanned for anomalies at a fine step, and what
the detector finds goes through ``submit`` (the ingest pipeline) as predictive alerts.

The watched list is discovered again at most every ``refresh`` (discovery lists metrics)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.capacity.models import WatchedResource
from bot.clock import Clock
from bot.ingest.models import AlertIn
from bot.predict.alerts import PredictionScanner, WatchedSeries
from integrations.metrics.models import MetricSource

log = logging.getLogger(__name__)

STEP_S = 60


def watched_series(
    resources: Sequence[WatchedResource], step_s: int = STEP_S
) -> list[WatchedSeries]:
    return [
        WatchedSeries(
            name=r.name, ref=r.ref, service=r.service, source=r.source, step_seconds=step_s
        )
        for r in resources
    ]


class PredictionJob:
    """``sources`` is a factory (the clients are built on the first scan, not at start-up)."""

    def __init__(
        self,
        sources: Callable[[], dict[str, MetricSource]],
        resources: Callable[[], Sequence[WatchedResource]],
        submit: Callable[[Sequence[AlertIn]], Any],
        clock: Clock,
        *,
        refresh: timedelta = timedelta(hours=1),
    ) -> None:
        self.sources, self.resources, self.submit, self.clock = sources, resources, submit, clock
        self.refresh = refresh
        self._watched: list[WatchedSeries] = []
        self._found_at: datetime | None = None
        self._lock = threading.Lock()

    def watched(self, now: datetime) -> list[WatchedSeries]:
        if self._found_at is None or now - self._found_at >= self.refresh:
            self._watched = watched_series(self.resources())
            self._found_at = now
        return self._watched

    def run(self) -> list[AlertIn]:
        """One scan (the scheduler's tick); errors are logged, never raised."""
        if not self._lock.acquire(blocking=False):
            return []
        try:
            now = self.clock.now()
            scanner = PredictionScanner(self.sources(), self.watched(now), self.submit)
            alerts = scanner.scan(now)
            for error in scanner.errors:
                log.info("prediction scan: %s", error)
            if alerts:
                log.info("prediction scan: %d predictive alert(s)", len(alerts))
            return alerts
        except Exception:
            log.warning("prediction scan failed", exc_info=True)
            return []
        finally:
            self._lock.release()

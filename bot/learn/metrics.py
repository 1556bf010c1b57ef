"""Learning figures at ``/metrics``, read from the store at scrape time (the database
``watch_store`` points at), so every replica reports the same numbers:

- ``aiops_outcomes_recorded``: labelled outcomes filed so far;
- ``aiops_analyses_helpful_ratio``: of the analyses judged (👍/👎, ratings), the share helpful;
- ``aiops_top_one_accuracy``: of the investigations whose fix became known, the share whose first
  recommended action fixed it or whose top hypothesis was judged right;
- ``aiops_fix_worked_incidents{fix}``: incidents each of the most common fixes fixed.

The automation rate is ``aiops_automation_rate`` (``bot.observability.store_stats``). Registered
once on import; a failing query drops these gauges from that scrape, never fails it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.learn.stats import learning_stats
from bot.observability.metrics import REGISTRY
from bot.observability.store_stats import watched

log = logging.getLogger(__name__)

TOP_FIXES = 10


class LearningCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        db, clock = watched()
        if db is None:
            return
        try:
            stats = learning_stats(db, now=clock.now() if clock else None, top=TOP_FIXES)
        except Exception as exc:  # a scrape never fails on the store
            log.warning("metrics: could not read the learning figures (%s)", type(exc).__name__)
            return
        yield GaugeMetricFamily(
            "aiops_outcomes_recorded", "Labelled outcomes recorded", value=stats.outcomes
        )
        if stats.helpful_share is not None:
            yield GaugeMetricFamily(
                "aiops_analyses_helpful_ratio", "Share of judged analyses rated helpful",
                value=stats.helpful_share,
            )  # fmt: skip
        if stats.top1_accuracy is not None:
            yield GaugeMetricFamily(
                "aiops_top_one_accuracy",
                "Share of labelled investigations whose first action or top hypothesis was right",
                value=stats.top1_accuracy,
            )
        fixes = GaugeMetricFamily(
            "aiops_fix_worked_incidents", "Incidents fixed by each common fix", labels=["fix"]
        )
        for fix, n in stats.common_fixes:
            fixes.add_metric([fix[:100]], n)
        yield fixes

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


_COLLECTOR = LearningCollector()
REGISTRY.register(_COLLECTOR)

"""Spend by service from Cost Explorer, and the anomaly check: each service's last complete
day against its trailing days, by the median and the median absolute deviation (robust to the
spike itself and to a few odd days in the baseline).

``score = (last - median) / max(1.4826 * MAD, 1% of the median, 0.01)``: the floor keeps a
perfectly flat baseline from turning a cent into an anomaly. An anomaly needs both the
score over the rule's ``threshold`` and the amount over the median of at least ``min_over``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from bot.posture.cost_model import Anomaly, Spend
from bot.posture.pricing import AnomalyRule
from integrations.aws.cost_explorer import CostExplorerUnavailable, DailyCost

#: reads daily cost by service in [start, end)
ReadSpend = Callable[[date, date], list[DailyCost]]
MAD_SCALE = 1.4826  # MAD of a normal distribution → its standard deviation


def robust_score(value: float, history: Sequence[float]) -> tuple[float, float]:
    """(score, median) of ``value`` against ``history``."""
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    spread = max(MAD_SCALE * mad, 0.01 * abs(median), 0.01)
    return (value - median) / spread, median


def anomalies(costs: Sequence[DailyCost], last: date, rule: AnomalyRule) -> list[Anomaly]:
    """Services whose cost on ``last`` stands out from the ``trailing_days`` before it (a
    service absent on a day cost 0 that day)."""
    per: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for c in costs:
        per[c.service][c.day] += c.amount
    window = [last - timedelta(days=d) for d in range(rule.trailing_days, 0, -1)]
    out = []
    for service, days in per.items():
        value = days.get(last, 0.0)
        history = [days.get(d, 0.0) for d in window]
        score, median = robust_score(value, history)
        if score >= rule.threshold and value - median >= rule.min_over:
            out.append(Anomaly(service, last, value, median, value - median, score))
    return sorted(out, key=lambda a: -a.over)


def spend(read: ReadSpend, today: date, rule: AnomalyRule) -> Spend:
    """The last ``spend_days`` complete days (today is still being billed, so it is left
    out), totals by service, and the anomalies of the last day. Cost Explorer closed or
    absent is a ``Spend`` with its reason, never an error."""
    start, end = today - timedelta(days=rule.spend_days), today
    try:
        costs = read(start, end)
    except CostExplorerUnavailable as exc:
        return Spend(reason=str(exc))
    report = Spend(start=start, end=end)
    if costs:
        report.currency = costs[0].unit
    totals: dict[str, float] = defaultdict(float)
    for c in costs:
        totals[c.service] += c.amount
    report.by_service = dict(sorted(totals.items(), key=lambda kv: -kv[1]))
    seen = sorted({c.day for c in costs if start <= c.day < end})
    if seen:
        report.last_day = seen[-1]
        report.anomalies = anomalies(costs, seen[-1], rule)
    return report

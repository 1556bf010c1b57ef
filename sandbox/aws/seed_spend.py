"""A scenario's ``aws.spend`` served by Cost Explorer: moto's ``get_cost_and_usage`` answers
from a queue of results set through its API (``/moto-api/static/ce/cost-and-usage-results``),
so the world builds the daily, by-SERVICE result the bot asks for and queues it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from sandbox.metricgen import generate
from sandbox.scenario_models import Metric
from sandbox.scenario_resources import ServiceSpend

RESULTS_PATH = "/moto-api/static/ce/cost-and-usage-results"
METRIC = "UnblendedCost"


def daily_spend(spend: Sequence[ServiceSpend], now: datetime) -> dict[date, dict[str, float]]:
    """day -> service -> cost, for the complete days before ``now``'s."""
    out: dict[date, dict[str, float]] = defaultdict(dict)
    for one in spend:
        metric = Metric.model_validate(
            {
                "id": f"spend:{one.service}", "namespace": "AWS/Billing", "name": one.service,
                "step": timedelta(days=1), "from": one.from_, "baseline": one.baseline,
                "noise": one.noise, "trend": one.trend, "events": one.events,
                "values": one.values, "seed": one.seed,
            }
        )  # fmt: skip
        series = generate(metric, now)
        for at, value in zip(series.timestamps, series.values, strict=True):
            if at.date() < now.date():
                out[at.date()][one.service] = round(value, 4)
    return dict(sorted(out.items()))


def cost_and_usage(spend: Sequence[ServiceSpend], now: datetime) -> dict[str, Any]:
    """The ``GetCostAndUsage`` response (``ResultsByTime``, one per day, grouped by service)."""
    return {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": day.isoformat(), "End": (day + timedelta(1)).isoformat()},
                "Total": {},
                "Groups": [
                    {"Keys": [service], "Metrics": {METRIC: {"Amount": f"{amount:.4f}",
                                                             "Unit": "USD"}}}
                    for service, amount in sorted(costs.items())
                ],
                "Estimated": False,
            }
            for day, costs in daily_spend(spend, now).items()
        ],
        "DimensionValueAttributes": [],
    }  # fmt: skip


def seed_spend(url: str, spend: Sequence[ServiceSpend], now: datetime) -> int:
    """Queue the result in moto; returns the number of days served."""
    if not spend:
        return 0
    result = cost_and_usage(spend, now)
    response = httpx.post(f"{url}{RESULTS_PATH}", json={"results": [result]}, timeout=60.0)
    response.raise_for_status()
    return len(result["ResultsByTime"])

"""Production wiring of the metric sources and the capacity digest builder.

``metric_sources(cloudwatch, prometheus=…)``: CloudWatch always (named ``cloudwatch``), and the
``default`` source every SLO / capacity resource / prediction reads unless it names another:
Prometheus when ``PROMETHEUS_URL`` is set, CloudWatch otherwise.

``digest_builder(...)`` looks up what discovery needs (EC2 ``Name`` tags as aliases, RDS
``max_connections``) on every build, so a bot started while AWS was unreachable still posts the
next digest; a failed look-up only loses the friendly names / limits, never the digest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.capacity.config import CapacityConfig
from bot.capacity.flows import CapacityPlan
from bot.capacity.limits import connection_limits
from bot.capacity.models import CapacityDigest
from bot.clock import Clock
from integrations.aws import ec2
from integrations.metrics import CloudWatchMetrics, MetricSource, PrometheusMetrics

log = logging.getLogger(__name__)


def metric_sources(
    cloudwatch: Any, *, prometheus_url: str | None = None, http: Any = None
) -> dict[str, MetricSource]:
    """``{"cloudwatch", "default"[, "prometheus"]}``; ``http`` is an ``httpx.Client``."""
    cw = CloudWatchMetrics(cloudwatch)
    sources: dict[str, MetricSource] = {"cloudwatch": cw, "default": cw}
    if prometheus_url:
        if http is None:
            raise ValueError("a Prometheus source needs an http client")
        prom = PrometheusMetrics(http, prometheus_url)
        sources["prometheus"] = prom
        sources["default"] = prom
    return sources


def _aliases(ec2_client: Any) -> dict[str, str]:
    try:
        return {i.instance_id: i.name for i in ec2.describe_instances(ec2_client) if i.name}
    except Exception as exc:  # names are a nicety (AwsError, no credentials, no network)
        log.info("no EC2 names for the capacity digest: %s", exc)
        return {}


def _limits(sources: dict[str, MetricSource], rds_client: Any) -> dict[str, dict[str, float]]:
    try:
        return connection_limits(sources["cloudwatch"], rds_client)
    except Exception as exc:  # limits are a nicety, as above
        log.info("no RDS connection limits for the capacity digest: %s", exc)
        return {}


def capacity_plan(
    config: CapacityConfig, sources: dict[str, MetricSource], *, ec2_client: Any, rds_client: Any
) -> CapacityPlan:
    """The plan with today's aliases and limits (read now)."""
    return CapacityPlan(
        config, sources, limits=_limits(sources, rds_client), aliases=_aliases(ec2_client)
    )


def digest_builder(
    config: CapacityConfig,
    sources: dict[str, MetricSource],
    clock: Clock,
    *,
    ec2_client: Any,
    rds_client: Any,
) -> Callable[[], CapacityDigest]:
    def build() -> CapacityDigest:
        plan = capacity_plan(config, sources, ec2_client=ec2_client, rds_client=rds_client)
        return plan.builder(clock)()

    return build

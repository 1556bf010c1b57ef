"""The AWS side of the sandbox world: moto on loopback, seeded from a scenario (resources,
metrics, logs, Cost Explorer spend), plus a small endpoint for the calls moto lacks
(CloudTrail ``LookupEvents``, CloudWatch ``DescribeAlarmHistory``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import boto3

from sandbox.aws import moto_server
from sandbox.aws.gaps import GapServer
from sandbox.aws.gaps_data import alarm_history, trail_events
from sandbox.aws.gaps_security import SecurityServices
from sandbox.aws.seed_resources import seed_resources
from sandbox.aws.seed_spend import seed_spend
from sandbox.aws.seed_telemetry import put_series, seed_logs
from sandbox.metricgen import Series
from sandbox.scenario_models import Scenario


@dataclass
class AwsSandbox:
    """A seeded local AWS. ``endpoint_url`` is moto; ``gaps_url`` serves the missing calls."""

    region: str
    endpoint_url: str
    gaps: GapServer
    id_refs: dict[str, str]
    published_until: dict[str, datetime] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def gaps_url(self) -> str:
        return self.gaps.url

    def session(self) -> boto3.Session:
        return moto_server.session(self.region)

    def client(self, service: str, *, gaps: bool = False) -> object:
        url = self.gaps_url if gaps else self.endpoint_url
        return self.session().client(service, endpoint_url=url)  # type: ignore[call-overload]

    def publish(self, series: list[Series]) -> None:
        """Publish points newer than what was already published for each series."""
        cloudwatch = self.session().client("cloudwatch", endpoint_url=self.endpoint_url)
        last = put_series(cloudwatch, series, self.id_refs, after=self.published_until)
        self.published_until.update(last)

    def stop(self) -> None:
        self.gaps.stop()
        moto_server.release()


def start_aws_sandbox(
    scenario: Scenario, series: list[Series], *, timeout: float = 10.0
) -> AwsSandbox:
    """Start (or reuse) moto, seed resources, metrics and logs, and start the gap endpoint."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    url = moto_server.acquire(timeout)
    timings["moto"] = time.perf_counter() - t0
    gaps: GapServer | None = None
    try:
        session = moto_server.session(scenario.region)
        t1 = time.perf_counter()
        refs = seed_resources(session, url, scenario.aws, scenario.now)
        timings["resources"] = time.perf_counter() - t1
        security = SecurityServices(scenario, refs)
        gaps = GapServer(trail_events(scenario, refs), alarm_history(scenario), security).start()
        sandbox = AwsSandbox(scenario.region, url, gaps, refs, timings=timings)
        t2 = time.perf_counter()
        sandbox.publish(series)
        timings["metrics"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        seed_logs(
            session.client("logs", endpoint_url=url), scenario.region, scenario.logs, scenario.now
        )
        timings["logs"] = time.perf_counter() - t3
        seed_spend(url, scenario.aws.spend, scenario.now)
        return sandbox
    except BaseException:
        if gaps is not None:
            gaps.stop()
        moto_server.release()
        raise


__all__ = ["AwsSandbox", "start_aws_sandbox"]

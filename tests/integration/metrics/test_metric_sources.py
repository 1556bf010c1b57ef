"""The two metric backends against the sandbox: CloudWatch (boto3 → moto) and Prometheus (httpx
→ sandbox/prometheus.py) return the same numbers for the same scenario metric."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.metrics import (
    BadMetricQuery,
    CloudWatchMetrics,
    MetricRef,
    MetricSource,
    MetricSourceUnavailable,
    PrometheusMetrics,
)
from sandbox.prometheus import PrometheusSandbox, start_prometheus_sandbox
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR

pytestmark = pytest.mark.timeout(120)
DISK = SCENARIOS_DIR / "05-db-disk-trend-warning.yaml"


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    if not DISK.is_file():
        pytest.skip(f"example scenario absent (looked for {DISK})")
    with SandboxWorld(load_scenario(DISK).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def prom(world: SandboxWorld) -> Iterator[PrometheusSandbox]:
    with start_prometheus_sandbox(world) as server:
        yield server


@pytest.fixture(scope="module")
def sources(world: SandboxWorld, prom: PrometheusSandbox) -> Iterator[dict[str, MetricSource]]:
    aws = world._aws()
    cw = aws.session().client("cloudwatch", endpoint_url=aws.endpoint_url)
    with httpx.Client(timeout=10) as client:
        yield {
            "cloudwatch": CloudWatchMetrics(cw),
            "prometheus": PrometheusMetrics(client, prom.url),
        }


def _ref(world: SandboxWorld, metric_id: str) -> MetricRef:
    m = world.scenario.metric(metric_id)
    dims = {k: world.id_refs.get(v, v) for k, v in m.dimensions.items()}
    return MetricRef(m.namespace, m.name, dims, m.stat, m.service)


@pytest.mark.parametrize("metric_id", ["pgdata_disk_used", "db_cpu", "write_bytes"])
def test_both_backends_return_the_generator_numbers(
    world: SandboxWorld, sources: dict[str, MetricSource], metric_id: str
) -> None:
    expected = world.series(metric_id)
    step = int(world.scenario.metric(metric_id).step.total_seconds())
    start, end = expected.timestamps[0], expected.timestamps[-1]
    cw = sources["cloudwatch"].read(
        _ref(world, metric_id), start, end + timedelta(seconds=step), step
    )
    pm = sources["prometheus"].read(_ref(world, metric_id), start, end, step)
    assert len(cw) == len(expected.values) > 100
    assert cw.timestamps == pm.timestamps == expected.timestamps
    assert pm.values == pytest.approx(cw.values, rel=1e-9)
    assert cw.values == pytest.approx(expected.values, rel=1e-9)


def test_read_many_keeps_order_and_separates_series(
    world: SandboxWorld, sources: dict[str, MetricSource]
) -> None:
    ids = ["root_disk_used", "pgdata_disk_used"]  # same metric name, different dimensions
    refs = [_ref(world, i) for i in ids]
    now = world.scenario.now
    for name, source in sources.items():
        got = source.read_many(refs, now - timedelta(days=2), now + timedelta(minutes=1), 3600)
        lasts = [g.last for g in got]
        want = [world.series(i).values[-1] for i in ids]
        assert lasts == pytest.approx(want), name


def test_discovery_lists_the_disk_series_on_both(
    world: SandboxWorld, sources: dict[str, MetricSource]
) -> None:
    for name, source in sources.items():
        found = source.list_metrics(["disk_used_percent"])
        paths = sorted(i.ref.dimensions.get("path", "") for i in found)
        assert paths == ["/", "/var/lib/postgresql"], name
        # a discovered ref reads back on the backend that found it
        data = source.read(
            found[0].ref, world.scenario.now - timedelta(hours=3), world.scenario.now, 3600
        )
        assert len(data) >= 3, name


def test_prometheus_selector_errors_are_bad_queries(sources: dict[str, MetricSource]) -> None:
    prom = sources["prometheus"]
    assert isinstance(prom, PrometheusMetrics)
    with pytest.raises(BadMetricQuery, match="selector"):
        prom.query_range("rate(disk_used_percent[5m])", *_window(), 60)
    with pytest.raises(BadMetricQuery, match="matches 2 series"):
        prom.read(MetricRef("x", "x", promql="disk_used_percent"), *_window(), 3600)


def test_prometheus_instant_query_and_labels(world: SandboxWorld, prom: PrometheusSandbox) -> None:
    body = httpx.get(
        f"{prom.url}/api/v1/query", params={"query": 'cpu_utilization{namespace="AWS/EC2"}'}
    ).json()
    (only,) = body["data"]["result"]
    assert only["metric"]["service"] == "analytics-db"
    assert float(only["value"][1]) == pytest.approx(world.series("db_cpu").values[-1])
    names = httpx.get(f"{prom.url}/api/v1/labels").json()["data"]
    assert {"__name__", "instance_id", "namespace", "service"} <= set(names)


def test_unreachable_prometheus_is_unavailable() -> None:
    with httpx.Client(timeout=1) as client:
        source = PrometheusMetrics(client, "http://127.0.0.1:9")
        with pytest.raises(MetricSourceUnavailable):
            source.read(MetricRef("n", "m"), *_window(), 60)


def _window() -> tuple[datetime, datetime]:
    end = datetime(2025, 5, 6, 10, tzinfo=UTC)
    return end - timedelta(hours=1), end

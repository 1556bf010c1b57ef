"""The capacity digest end to end: sandbox world → CloudWatch (boto3) → discovery → forecast →
breach → rendered digest → the local Slack (real WebClient, real Bolt over Socket Mode)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import matplotlib.image as mpimg
import numpy as np
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from slack_sdk import WebClient

from bot.capacity.config import CapacityConfig
from bot.capacity.flows import CapacityPlan
from bot.capacity.limits import connection_limits
from bot.capacity.models import CapacityDigest, Status
from bot.clock import SandboxClock
from bot.config import load_settings
from bot.digest import runs
from bot.digest.flows import DigestRunner
from bot.digest.schedule import DigestSchedule
from bot.errors import UpstreamUnavailable
from bot.jobs import JobRunner, describe_error
from bot.store import Database
from handlers.slack.app import build_app, start_socket_mode
from handlers.slack.capacity import SlackDigestPoster, capacity_service
from handlers.slack.services import default_services
from integrations.metrics import CloudWatchMetrics
from sandbox import metricgen
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR

pytestmark = pytest.mark.timeout(180)
DISK = SCENARIOS_DIR / "05-db-disk-trend-warning.yaml"


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    if not DISK.is_file():
        pytest.skip(f"example scenario absent (looked for {DISK})")
    with SandboxWorld(load_scenario(DISK).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def plan(world: SandboxWorld) -> CapacityPlan:
    aws = world._aws()
    session = aws.session()
    cw = CloudWatchMetrics(session.client("cloudwatch", endpoint_url=aws.endpoint_url))
    limits = connection_limits(cw, session.client("rds", endpoint_url=aws.endpoint_url))
    aliases = {real: ref for ref, real in world.id_refs.items()}
    return CapacityPlan(CapacityConfig(), {"default": cw}, limits=limits, aliases=aliases)


@pytest.fixture(scope="module")
def digest(world: SandboxWorld, plan: CapacityPlan) -> CapacityDigest:
    return plan.builder(SandboxClock(world.scenario.now))()


@pytest.fixture(scope="module")
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        server.add_channel("capacity")
        yield server


def _true_crossing(world: SandboxWorld, metric_id: str, level: float) -> Any:
    metric, now = world.scenario.metric(metric_id), world.scenario.now
    grid = [now + timedelta(minutes=10 * i) for i in range(1, 6 * 24 * 60)]
    clean = metricgen.noiseless(metric, now, grid)
    return next(t for t, v in zip(grid, clean, strict=True) if v >= level)


def test_disk_breach_lands_within_ten_percent_of_the_true_time(
    world: SandboxWorld, digest: CapacityDigest
) -> None:
    """Only the bot's path sees the data: boto3 get_metric_data on the sandbox's moto."""
    now = world.scenario.now
    (disk,) = [rf for rf in digest.critical if "/var/lib/postgresql" in rf.resource.name]
    assert "pg-analytics-1" in disk.resource.name  # the real instance id mapped to its name
    breach = next(b for b in disk.breaches if b.threshold == 90)
    true = _true_crossing(world, "pgdata_disk_used", 90)
    error = abs((breach.eta - true) / (true - now))
    assert error < 0.10, (breach, true)
    assert breach.eta_lo <= true <= (breach.eta_hi or breach.eta) + timedelta(hours=6)
    assert disk.status is Status.CRITICAL and disk.attention is breach


def test_flat_resources_are_counted_healthy(digest: CapacityDigest) -> None:
    names = sorted(rf.resource.name for rf in digest.healthy)
    assert names == ["cpu on pg-analytics-1", "disk / on pg-analytics-1"]
    assert digest.warning == [] and digest.skipped == []


def _png_ok(data: bytes, tmp: Path) -> None:
    path = tmp / "read-back.png"
    path.write_bytes(data)
    image = mpimg.imread(path)
    assert image.shape[:2] == (600, 1200)
    assert float(np.std(image[..., :3])) > 0.05  # not blank: lines, bands, text


def _runner(
    world: SandboxWorld, plan: CapacityPlan, db: Database, poster: Any, owner: str
) -> DigestRunner:
    clock = SandboxClock(world.scenario.now)
    return DigestRunner(
        db=db,
        clock=clock,
        build=plan.builder(clock),
        poster=poster,
        channel="#capacity",
        schedule=DigestSchedule.parse("mon", "09:00", "Europe/Paris"),
        owner=owner,
    )


def test_two_replicas_post_the_week_once_with_the_chart(
    world: SandboxWorld,
    plan: CapacityPlan,
    slack: LocalSlack,
    sqlite_database: Database,
    tmp_path: Path,
) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    poster = SlackDigestPoster(client)
    replicas = [_runner(world, plan, sqlite_database, poster, f"replica-{i}") for i in range(2)]
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def go(runner: DigestRunner) -> None:
        barrier.wait()
        results.append(runner.run_due())

    threads = [threading.Thread(target=go, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(r.posted for r in results) == [False, True]
    key = results[0].key
    assert key == "2025-W19"  # Monday 2025-05-05 09:00 Paris is the newest due run
    assert runs.state_of(sqlite_database, key).state == "done"  # type: ignore[union-attr]
    # a later tick (the cron after a catch-up) does nothing
    assert replicas[0].run_due().posted is False

    channel = slack.channel_id("capacity")
    messages = slack.messages(channel)
    digests = [m for m in messages if "Weekly capacity digest" in m.text]
    assert len(digests) == 1
    assert "reaches 90% in ~3.9 days" in digests[0].text
    assert "2 resources healthy" in digests[0].text
    uploads = [f for f in slack.files() if f.completed and f.channel == channel]
    assert len(uploads) == 1 and uploads[0].filename.endswith(".png")
    _png_ok(uploads[0].data, tmp_path)


def test_aiops_capacity_posts_on_demand_through_bolt(
    world: SandboxWorld,
    plan: CapacityPlan,
    slack: LocalSlack,
    sqlite_database: Database,
    tmp_path: Path,
) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    runner = _runner(world, plan, sqlite_database, SlackDigestPoster(client), "bolt")
    services = replace(default_services(), capacity=capacity_service(runner))
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    jobs = JobRunner(max_workers=2)
    app = build_app(settings, client=client, services=services, jobs=jobs)
    handler = start_socket_mode(app, "xapp-test")
    try:
        slack.wait_connected()
        channel = slack.add_channel("ops")
        slack.add_user("U0CAPA1", "capa")
        slack.wait_ack(slack.send_slash_command("U0CAPA1", "capacity", channel="ops"))

        def posted() -> Any:
            done = [f for f in slack.files() if f.completed and f.channel == channel]
            msgs = [m for m in slack.messages(channel) if "Weekly capacity digest" in m.text]
            return (msgs, done) if msgs and done else None

        msgs, files = slack.wait_for(posted, 60)
        assert "pg-analytics-1" in msgs[0].text
        _png_ok(files[0].data, tmp_path)
        assert runs.state_of(sqlite_database, "2025-W19") is None  # on demand claims nothing
    finally:
        handler.close()
        jobs.shutdown()


def test_a_metric_store_without_credentials_fails_the_run_with_a_message_not_a_bug(
    world: SandboxWorld, sqlite_database: Database
) -> None:
    # a CloudWatch client that cannot sign: what a replica with no AWS credentials has
    client = boto3.client(
        "cloudwatch", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1},
                      connect_timeout=1, read_timeout=1),
    )  # fmt: skip
    cw = CloudWatchMetrics(client)
    blind = CapacityPlan(CapacityConfig(), {"default": cw}, limits={}, aliases={})
    clock = SandboxClock(world.scenario.now)
    runner = DigestRunner(
        db=sqlite_database, clock=clock, build=blind.builder(clock), poster=None,  # type: ignore[arg-type]
        channel="#capacity", schedule=DigestSchedule.parse("mon", "09:00", "UTC"), owner="r1",
    )  # fmt: skip
    with pytest.raises(UpstreamUnavailable) as raised:
        runner.run_due()
    said = describe_error(raised.value, where="capacity digest catch-up")
    assert said.startswith(":warning: capacity digest") and "aiops doctor" in said
    run = runs.state_of(sqlite_database, runner.schedule.key_for(clock.now()))
    assert run is not None and run.state == "failed"

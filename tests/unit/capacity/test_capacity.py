"""Capacity pieces without servers: config, status windows, percent conversion, forecasts on
constructed series, the digest schedule, and run-key claims racing on a real database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bot.capacity.config import load_config, parse_config
from bot.capacity.models import ResourceKind, Status, WatchedResource
from bot.capacity.service import assess
from bot.digest import runs
from bot.digest.schedule import DigestSchedule
from bot.errors import ConfigError, UserError
from bot.store import Database
from integrations.metrics.models import MetricData, MetricRef

NOW = datetime(2025, 3, 12, 10, tzinfo=UTC)  # a Wednesday


def _data(values: np.ndarray, step_h: float = 1.0) -> MetricData:
    n = len(values)
    stamps = [NOW - timedelta(hours=step_h * (n - 1 - i)) for i in range(n)]
    return MetricData(MetricRef("ns", "m"), stamps, [float(v) for v in values])


def _resource(**kw: object) -> WatchedResource:
    base = WatchedResource(name="disk on db", kind=ResourceKind.DISK, ref=MetricRef("ns", "m"))
    from dataclasses import replace

    return replace(base, **kw)  # type: ignore[arg-type]


def test_config_builds_resources_and_names_bad_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "capacity.yaml"
    good.write_text(
        "defaults: {step: 5m, critical_at: 95}\n"
        "resources:\n"
        "  - {name: pool, kind: connections, capacity: 200,\n"
        "     metric: {namespace: AWS/RDS, name: DatabaseConnections,\n"
        "              dimensions: {DBInstanceIdentifier: db1}, stat: Maximum}}\n"
    )
    (r,) = load_config(good).watched()
    assert (r.step_seconds, r.critical_at, r.capacity, r.kind) == (300, 95, 200, "connections")
    with pytest.raises(UserError, match=r"resources\.0\.colour"):
        parse_config({"resources": [{"name": "x", "kind": "disk", "colour": "red"}]})
    with pytest.raises(UserError, match="give metric: or promql:"):
        parse_config({"resources": [{"name": "x", "kind": "disk"}]}).watched()
    with pytest.raises(UserError, match="invert needs capacity"):
        parse_config({"resources": [{"name": "x", "kind": "disk", "invert": True,
                                     "promql": "free"}]}).watched()  # fmt: skip
    with pytest.raises(UserError, match="not a duration"):
        parse_config({"defaults": {"step": "soon"}})
    with pytest.raises(UserError, match="cannot read capacity file .*No such file"):
        load_config(tmp_path / "missing.yaml")


def test_percent_of_counts_and_free_space() -> None:
    conns = _resource(capacity=200.0)
    free = _resource(capacity=500.0, invert=True)
    assert conns.percent(np.array([50.0, 180.0])).tolist() == [25.0, 90.0]
    assert free.percent(np.array([500.0, 100.0])).tolist() == [0.0, 80.0]


def test_steady_growth_is_critical_with_the_right_eta() -> None:
    hours = np.arange(14 * 24, dtype=float)
    rng = np.random.default_rng(1)
    values = 50 + hours * (1.0 / 24) + rng.normal(0, 0.2, len(hours))  # +1 %/day, 64 % now
    rf = assess(_resource(), _data(values))
    b90 = next(b for b in rf.breaches if b.threshold == 90)
    days = (b90.eta - rf.now) / timedelta(days=1)
    assert days == pytest.approx(26.0, rel=0.08)
    assert rf.status is Status.WARNING  # 80 % within 30 days, 90 % not within 7
    assert "reaches 80%" in rf.headline()


def test_fast_growth_is_critical_and_flat_is_healthy() -> None:
    hours = np.arange(10 * 24, dtype=float)
    fast = assess(_resource(), _data(60 + hours * (3.0 / 24)))
    assert fast.status is Status.CRITICAL and fast.attention is not None
    assert fast.attention.threshold >= 90
    flat = assess(_resource(), _data(40 + 0.1 * np.sin(hours)))
    assert flat.status is Status.HEALTHY and flat.attention is None


def test_too_little_history_is_refused() -> None:
    from bot.errors import AiopsError

    with pytest.raises(AiopsError, match="points of history"):
        assess(_resource(), _data(np.arange(5, dtype=float)))


@pytest.mark.parametrize(
    ("now", "tz", "key", "due"),
    [
        ("2025-03-12T10:00:00+00:00", "UTC", "2025-W11", "2025-03-10T09:00:00+00:00"),
        ("2025-03-10T08:59:00+00:00", "UTC", "2025-W10", "2025-03-03T09:00:00+00:00"),
        # 07:30 UTC on Monday is 09:30 in Paris (CEST from Mar 30): that week's run is due
        ("2025-03-31T07:30:00+00:00", "Europe/Paris", "2025-W14", "2025-03-31T07:00:00+00:00"),
        ("2025-03-31T06:30:00+00:00", "Europe/Paris", "2025-W13", "2025-03-24T08:00:00+00:00"),
    ],
)
def test_latest_due_run_and_week_key(now: str, tz: str, key: str, due: str) -> None:
    sched = DigestSchedule.parse("mon", "09:00", tz)
    moment = datetime.fromisoformat(now)
    assert sched.key_for(moment) == key
    assert sched.latest_due(moment).astimezone(UTC) == datetime.fromisoformat(due)


def test_cron_fires_monday_nine_local() -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = DigestSchedule.parse("Monday", "09:00", "America/New_York")
    scheduler = BackgroundScheduler(timezone="UTC")
    job = sched.add_job(scheduler, lambda: None)
    fire = job.trigger.get_next_fire_time(None, datetime(2025, 3, 12, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2025, 3, 17, 13, tzinfo=UTC)  # 09:00 EDT
    assert job.coalesce is True and job.misfire_grace_time is None


def test_bad_schedule_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="AIOPS_DIGEST_DAY"):
        DigestSchedule.parse("someday")
    with pytest.raises(ConfigError, match="AIOPS_DIGEST_TIME"):
        DigestSchedule.parse("mon", "9am")
    with pytest.raises(ConfigError, match="AIOPS_TIMEZONE"):
        DigestSchedule.parse("mon", "09:00", "Mars/Olympus")


def test_run_key_is_claimed_once_by_racing_replicas(database: Database) -> None:
    wins: list[str] = []
    barrier = threading.Barrier(6)

    def replica(name: str) -> None:
        barrier.wait()
        if runs.claim(database, "2025-W11", owner=name, now=NOW):
            wins.append(name)

    threads = [threading.Thread(target=replica, args=(f"r{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(wins) == 1
    runs.finish(database, "2025-W11", now=NOW)
    assert not runs.claim(database, "2025-W11", owner="late", now=NOW + timedelta(days=1))


def test_failed_run_is_retried_but_a_posted_one_never(database: Database) -> None:
    assert runs.claim(database, "k1", owner="a", now=NOW)
    runs.fail(database, "k1", now=NOW, error="slack down")
    assert runs.claim(database, "k1", owner="b", now=NOW)  # failed before posting: retry
    runs.mark_posted(database, "k1", now=NOW, ref="C1/1.0")
    later = NOW + timedelta(hours=2)  # lease ran out (crash after posting)
    assert not runs.claim(database, "k1", owner="c", now=later)
    assert runs.claim(database, "k2", owner="a", now=NOW)
    assert runs.claim(database, "k2", owner="b", now=later)  # crashed before posting

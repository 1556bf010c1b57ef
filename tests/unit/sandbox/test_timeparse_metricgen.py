"""Offsets and the deterministic metric generator."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.metricgen import Override, generate, noiseless, stable_seed
from sandbox.scenario_models import Metric
from sandbox.timeparse import format_offset, parse_duration, parse_offset

NOW = datetime(2025, 5, 6, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("-45m", -2700),
        ("-2h", -7200),
        (0, 0),
        ("0", 0),
        ("+10m", 600),
        ("-3d", -259200),
        ("30s", 30),
        ("1.5h", 5400),
        (90, 90),
    ],
)
def test_parse_offset(text: object, seconds: float) -> None:
    assert parse_offset(text).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "5 minutes", "-m", "10w", True, None, [1]])
def test_parse_offset_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_offset(bad)


def test_duration_rejects_negative_and_format_roundtrips() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration("-5m")
    for text in ["-45m", "+2h", "-3d", "+30s", "0"]:
        assert format_offset(parse_offset(text)) == text


def _metric(**kw: object) -> Metric:
    base: dict[str, object] = {
        "id": "m",
        "namespace": "NS",
        "name": "N",
        "step": "60s",
        "from": "-1h",
        "baseline": 10,
    }
    base.update(kw)
    return Metric.model_validate(base)


def test_grid_and_determinism() -> None:
    metric = _metric(noise=2, seed=5)
    one, two = generate(metric, NOW), generate(metric, NOW)
    assert one.values == two.values
    assert len(one.timestamps) == 61
    assert one.timestamps[0] == NOW - timedelta(hours=1) and one.timestamps[-1] == NOW
    longer = generate(metric, NOW, end=NOW + timedelta(minutes=10))
    assert longer.values[:61] == one.values  # extending keeps the same noise draws
    other = generate(_metric(noise=2, seed=6), NOW)
    assert other.values != one.values


def test_seed_from_id_is_stable_not_python_hash() -> None:
    assert stable_seed("api_p99_latency") == stable_seed("api_p99_latency")
    assert stable_seed("a") != stable_seed("b")
    assert stable_seed("a") == 0xCA978112CA1BBDCA  # first 8 bytes of sha256("a")


def test_trend_is_anchored_at_from_and_daily_sine() -> None:
    metric = _metric(**{"from": "-21d", "step": "1h", "baseline": 30.2, "trend": 2.4})
    series = generate(metric, NOW)
    assert series.values[0] == pytest.approx(30.2)
    assert series.values[-1] == pytest.approx(80.6)
    daily = _metric(daily=5, baseline=0)
    expected = 5 * math.sin(2 * math.pi * (10 * 3600) / 86400)
    assert noiseless(daily, NOW, [NOW])[0] == pytest.approx(expected)


def test_events_step_ramp_spike_drop_in_order() -> None:
    metric = _metric(
        events=[
            {"at": "-40m", "shape": "step", "to": 50},
            {"at": "-30m", "shape": "ramp", "to": 100, "over": "10m"},
            {"at": "-15m", "shape": "spike", "to": 500, "over": "2m"},
            {"at": "-5m", "shape": "drop", "to": 1},
        ]
    )
    s = generate(metric, NOW)
    at = lambda off: s.value_at(NOW + parse_offset(off))  # noqa: E731
    assert at("-41m") == 10 and at("-40m") == 50 and at("-31m") == 50
    assert at("-25m") == pytest.approx(75) and at("-20m") == 100
    assert at("-15m") == 500 and at("-14m") == 500 and at("-13m") == 100
    assert at("-5m") == 1 and at("0") == 1


def test_explicit_values_and_overrides_and_clamping() -> None:
    s = generate(_metric(values=[1, 2, 3]), NOW)
    assert s.values == [1, 2, 3] and s.timestamps[2] == NOW - timedelta(minutes=58)
    base = _metric(baseline=0.0, noise=1.0, seed=1)
    assert min(generate(base, NOW).values) >= 0.0  # noise never takes a count below zero
    start = NOW + timedelta(minutes=3)
    recovered = generate(
        _metric(baseline=90),
        NOW,
        end=NOW + timedelta(minutes=6),
        overrides=[Override(start=start, to=5)],
    )
    assert recovered.value_at(NOW + timedelta(minutes=2)) == 90
    assert recovered.value_at(start) == 5 and recovered.values[-1] == 5

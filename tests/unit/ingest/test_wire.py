"""The bounded JSON loader and the edge checks: every refusal is a 413/422 naming the field,
never a RecursionError, OverflowError or a value the database would reject."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.changes.models import ChangeIn
from bot.changes.parse import parse_argocd, parse_manual
from bot.incidents.service import shifted
from bot.ingest.generic import parse_generic
from bot.ingest.models import AlertIn, BadPayload, PayloadTooLarge, parse_time
from bot.ingest.wire import MAX_DEPTH, check_alerts, check_change, load_json

NOW = datetime(2025, 3, 22, 19, 0, tzinfo=UTC)


def nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 10_000, 150_000])
def test_deep_nesting_is_refused_without_recursion(depth: int) -> None:
    with pytest.raises(BadPayload, match="nested deeper"):
        load_json(nested(depth))
    with pytest.raises(BadPayload, match="nested deeper"):
        load_json(b'{"a":' * depth + b"1" + b"}" * depth)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    value = load_json(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []


def test_deep_nesting_behind_a_lone_surrogate_is_still_bounded() -> None:
    # the fast parser stops at the surrogate; the fallback that names the field must not recurse
    body = b'["\\ud800", ' + nested(50_000) + b"]"
    with pytest.raises(BadPayload, match="nested deeper"):
        load_json(body)


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b'{"a": NaN}', "a", "NaN and Infinity"),
        (b'{"a": {"b": [1, Infinity]}}', "a.b[1]", "NaN and Infinity"),
        (b'{"a": -Infinity}', "a", "NaN and Infinity"),
        (b'{"alerts": [{"x": 1e999}]}', "alerts[0].x", "NaN and Infinity"),
        (b'{"a": 9223372036854775808}', "a", "outside 64 bits"),
        (b'{"a": [-9223372036854775809]}', "a[0]", "outside 64 bits"),
        (b'{"labels": {"env": "pr\\u0000od"}}', "labels.env", "NUL"),
        (b'{"labels": {"e\\u0000nv": "prod"}}', "labels.e?nv", "NUL"),
        (b'{"name": "x\\ud800y"}', "name", "surrogate"),
        (b'{"name": ["ok", "\\udfff"]}', "name[1]", "surrogate"),
    ],
)
def test_values_no_store_can_hold_are_refused_with_the_field(
    body: bytes, field: str, reason: str
) -> None:
    with pytest.raises(BadPayload) as err:
        load_json(body)
    assert str(err.value).startswith(f"{field}:"), str(err.value)
    assert reason in str(err.value)


def test_a_number_too_long_to_parse_is_a_422() -> None:
    with pytest.raises(BadPayload, match="too large"):
        load_json(b'{"a": ' + b"9" * 5000 + b"}")


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "\\ud83d\\ude00"}',  # a surrogate PAIR is an ordinary character
        b'{"a": "\\\\u0000 and NaN and Infinity written as text"}',
        b'{"a": 9223372036854775807, "b": -9223372036854775808, "c": 1e308, "d": 1e-400}',
        b'{"a": 12345678901234567890.5}',
    ],
)
def test_ordinary_values_pass(body: bytes) -> None:
    assert load_json(body) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"", "empty body"), (b"  ", "empty body"), (b"[1,", "malformed JSON"), (b"\xff", "JSON")],
)
def test_malformed_bodies(body: bytes, message: str) -> None:
    with pytest.raises(BadPayload, match=message):
        load_json(body)


def test_size_cap_is_a_413() -> None:
    with pytest.raises(PayloadTooLarge):
        load_json(b"[" + b"1," * 600 + b"1]", max_bytes=1000)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("9999-12-31T23:59:59Z", "out of range"),
        ("0001-01-02T00:00:00Z", "out of range"),
        ("1969-12-31T23:59:59Z", "out of range"),
        ("2100-01-01T00:00:00Z", "out of range"),
        ("2025-03-22T19:00:00", "timezone"),
    ],
)
def test_times_at_the_edge_are_refused_with_the_field(value: str, reason: str) -> None:
    with pytest.raises(BadPayload, match=f"alerts\\[0\\].startsAt: .*{reason}"):
        parse_time(value, "alerts[0].startsAt")


def test_times_inside_the_range_are_utc() -> None:
    assert parse_time("2025-03-22T21:00:00+02:00", "t") == NOW
    assert parse_time("2025-03-22T19:00:00+0000", "t") == NOW
    assert parse_time("0001-01-01T00:00:00Z", "endsAt") is None  # Alertmanager's zero time


@pytest.mark.parametrize(
    ("starts_at", "reason"),
    [
        ("9999-12-31T23:59:59Z", "out of range"),
        ("0001-01-01T00:00:00Z", "out of range"),
        ("2025-03-22T19:00:00", "timezone"),
    ],
)
def test_generic_alert_times_are_bounded(starts_at: str, reason: str) -> None:
    body = {"version": "1", "alerts": [{"name": "X", "starts_at": starts_at}]}
    with pytest.raises(BadPayload, match=f"{reason}.*alerts.0.starts_at"):
        parse_generic(body)


@pytest.mark.parametrize(
    ("at", "reason"),
    [("2025-03-22T19:00:00", "timezone"), ("9999-12-31T23:59:59Z", "out of range")],
)
def test_manual_change_time_needs_a_timezone_and_a_sane_year(at: str, reason: str) -> None:
    with pytest.raises(BadPayload, match=f"{reason}.*: at"):
        parse_manual({"kind": "deployment", "service": "api", "at": at}, NOW)
    ok = parse_manual({"kind": "deployment", "service": "api", "at": "2025-03-22T19:00:00Z"}, NOW)
    assert ok.at == NOW


def alert(**over: object) -> AlertIn:
    fields: dict[str, object] = {"source": "generic", "fingerprint": "fp", "name": "X"}
    fields.update(over)
    return AlertIn(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (alert(service="s" * 256), "alerts[1].service: longer than 255"),
        (alert(name="n" * 256), "alerts[1].name: longer than 255"),
        (alert(fingerprint="f" * 129), "alerts[1].fingerprint: longer than 128"),
        (alert(external_id="e" * 256), "alerts[1].external_id: longer than 255"),
        (alert(labels={"env": "a\x00b"}), "alerts[1].labels.env: the value contains a NUL"),
        (alert(annotations={"x": [float("nan")]}), "alerts[1].annotations.x[0]: NaN"),
        (alert(summary="\ud800"), "alerts[1].summary: the value contains a lone"),
        (alert(starts_at=datetime(9999, 12, 31, tzinfo=UTC)), "alerts[1].starts_at: time out"),
        (alert(ends_at=datetime(2025, 1, 1)), "alerts[1].ends_at: time needs a timezone"),
    ],
)
def test_a_delivery_that_does_not_fit_the_store_is_refused_whole(bad: AlertIn, field: str) -> None:
    with pytest.raises(BadPayload) as err:
        check_alerts([alert(service="s" * 255), bad])
    assert str(err.value).startswith(field), str(err.value)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"external_id": "e" * 256}, "external_id: longer than 255"),
        ({"service": "s" * 256}, "service: longer than 255"),
        ({"version": "v\x00"}, "version: the value contains a NUL"),
        ({"detail": {"n": float("inf")}}, "detail.n: NaN"),
        ({"at": datetime(2025, 1, 1)}, "at: time needs a timezone"),
    ],
)
def test_a_change_that_does_not_fit_the_store_is_refused(
    over: dict[str, object], field: str
) -> None:
    fields: dict[str, object] = {"source": "manual", "external_id": "x", "kind": "deployment"}
    fields.update({"at": NOW, **over})
    with pytest.raises(BadPayload) as err:
        check_change(ChangeIn(**fields))  # type: ignore[arg-type]
    assert str(err.value).startswith(field), str(err.value)


def test_shifted_saturates_at_the_calendar_ends() -> None:
    top = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    bottom = datetime(1, 1, 1, 0, 1, tzinfo=UTC)
    assert shifted(top, timedelta(hours=1)) == datetime.max.replace(tzinfo=UTC)
    assert shifted(bottom, -timedelta(hours=24)) == datetime.min.replace(tzinfo=UTC)
    assert shifted(NOW, timedelta(minutes=2)) == NOW + timedelta(minutes=2)


def test_a_derived_change_id_always_fits_its_column() -> None:
    app, revision = "a" * 250, "f" * 40
    change = parse_argocd({"app": app, "revision": revision, "service": "api"}, NOW)
    assert change is not None and len(change.external_id) <= 255
    check_change(change)
    short = parse_argocd({"app": "web", "revision": "abc"}, NOW)
    assert short is not None and short.external_id == "web:abc:"

"""Ties in the storm election go to evidence, then to arrival, never to a service's name
(issue 15 pt 4): made-up services through the real correlator, and ``rank`` on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.correlate import AlertFacts
from bot.correlate.elect import leaders, rank
from bot.topology import Topology
from tests.unit.correlate.storms import elect

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _call(i: str, s: int, caller: str, callee: str) -> AlertFacts:
    labels = {"caller": caller, "callee": callee, "operation": f"{callee}/Get"}
    return AlertFacts(i, T0 + timedelta(seconds=s), "trace:PD", callee.rsplit("-", 1)[0], labels)


def _latency(i: str, s: int, pod: str) -> AlertFacts:
    labels = {"pod": pod, "kpi": "latency"}
    return AlertFacts(i, T0 + timedelta(seconds=s), "metric:latency:up", pod[:-2], labels)


def test_two_callees_equally_blamed_go_to_the_one_more_alerts_name() -> None:
    # one anomalous call into each; zulu also reports its own latency (a symptom, no weight):
    # the blame ties, and the evidence (not the earlier call, not the name) decides
    topology = Topology({"web": ["alpha", "zulu"], "alpha": [], "zulu": []})
    web = AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0", "callee": "web-0"})
    alerts = [
        web,
        _call("a", 0, "web-0", "alpha-0"),
        _call("z", 1, "web-0", "zulu-0"),
        _latency("l", 1, "zulu-0"),
    ]
    verdict = elect(topology, alerts)
    assert verdict.service == "zulu"
    assert verdict.basis == "calls"


def test_rank_keeps_arrival_order_when_nothing_else_separates() -> None:
    # same score, dependants, evidence and first alert (a caller and callee of one alert)
    order = rank({"mike": 1.0, "bravo": 1.0}, lambda _: 0, {"mike": 3, "bravo": 3})
    assert order == ["mike", "bravo"]
    more = rank({"mike": 1.0, "bravo": 1.0}, lambda _: 0, {"mike": 3, "bravo": 3}, {"bravo": 2})
    assert more == ["bravo", "mike"]


def test_leaders_at_the_same_second_and_weight_keep_arrival_order() -> None:
    at = T0
    own_at = {"mike-0": at, "bravo-0": at}
    service_of = {"mike-0": "mike", "bravo-0": "bravo"}
    own = {"mike": {"mike-0": {"cpu": 1.0}}, "bravo": {"bravo-0": {"cpu": 1.0}}}
    found = leaders(own_at, service_of, at, {"mike", "bravo"}, own)
    assert [e for e, _, _ in found] == ["mike-0", "bravo-0"]

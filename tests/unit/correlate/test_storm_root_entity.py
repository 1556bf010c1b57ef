"""The root alert of a storm elected over the calls is the first alert on the replica the
evidence singles out (issue 15 pt 4: "the root alert is the first alert on the root service"):
the replica whose own anomalies began first, alone, else the one holding most of the blame its
replicas hold. Small synthetic storms with made-up names, through the real correlator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.correlate import AlertFacts, Correlator, StormVerdict
from bot.topology import Topology

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TOPOLOGY = Topology({"web": ["store"], "store": []})


def _call(i: str, s: int, caller: str, callee: str, op: str = "Get") -> AlertFacts:
    labels = {"caller": caller, "callee": callee, "operation": f"store/{op}"}
    service = callee.rsplit("-", 1)[0]
    return AlertFacts(i, T0 + timedelta(seconds=s), "trace:PD", service, labels)


def _own(i: str, s: int, pod: str, kpi: str) -> AlertFacts:
    labels = {"pod": pod, "kpi": kpi}
    return AlertFacts(i, T0 + timedelta(seconds=s), f"metric:{kpi}:up", "store", labels)


def _verdict(alerts: list[AlertFacts]) -> StormVerdict:
    corr = Correlator(TOPOLOGY)
    for a in [AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0"}), *alerts]:
        corr.place(a)
    key = corr.group_of(alerts[0].id)
    assert key is not None
    verdict = corr.storm_verdict(key)
    assert verdict is not None and verdict.service == "store"
    return verdict


def _calls(busy: str = "store-0", quiet: str = "store-1") -> list[AlertFacts]:
    """``busy`` holds four of the five anomalous calls into the store's replicas."""
    return [
        _call("c1", 1, "web-0", busy, "Get"),
        _call("c2", 2, "web-0", busy, "Put"),
        _call("c3", 3, "web-0", busy, "List"),
        _call("c4", 3, "web-1", busy, "Get"),
        _call("c5", 4, "web-0", quiet, "Get"),
    ]


def test_the_replica_whose_own_anomalies_began_first_holds_the_root_alert() -> None:
    alerts = [*_calls(), _own("m1", 5, "store-1", "memory_usage"), _own("m0", 30, "store-0", "cpu")]
    verdict = _verdict(alerts)
    assert verdict.basis == "calls"
    assert verdict.entity == "store-1"  # not store-0, which holds more of the calls
    assert verdict.alert == "c5"  # the first alert on store-1


def test_replicas_shifting_in_the_same_second_leave_it_to_the_calls() -> None:
    calls = _calls(busy="store-1", quiet="store-0")
    alerts = [*calls, _own("m1", 5, "store-1", "memory_usage"), _own("m0", 5, "store-0", "cpu")]
    verdict = _verdict(alerts)
    assert verdict.entity == "store-1"  # the one holding most of the calls
    assert verdict.alert == "c1"


def test_client_spans_naming_no_replica_do_not_dilute_a_replica_holding_the_calls() -> None:
    # web-0's own client spans name only the service it called (six methods): their blame is
    # the service's, not a replica's, and store-0 still holds most of what the replicas hold
    spans = [
        AlertFacts(
            f"s{k}",
            T0 + timedelta(seconds=1),
            "trace:PD",
            "web",
            {"caller": "web-0", "callee": "web-0", "operation": f"store/Op{k}"},
        )
        for k in range(6)
    ]
    server = [
        _call("c1", 2, "web-1", "store-0", "Get"),
        _call("c2", 2, "web-1", "store-0", "Put"),
        _call("c3", 3, "web-1", "store-1", "Get"),
    ]
    verdict = _verdict([*spans, *server])
    assert verdict.entity == "store-0"
    assert verdict.alert == "c1"

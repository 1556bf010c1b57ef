"""StormEvidence on its own: what counts as a call, and robustness to labels that disagree."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.correlate.calls import is_call
from bot.correlate.entities import EntityMap
from bot.correlate.models import AlertFacts
from bot.correlate.storm import StormEvidence
from bot.topology import Topology

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TOPOLOGY = Topology({"web": ["orders"], "orders": ["ledger"], "ledger": []})


def _alert(i: str, service: str | None, **labels: str) -> AlertFacts:
    return AlertFacts(id=i, at=T0, name="trace:latency", service=service, labels=labels)


def test_a_call_needs_two_different_known_services() -> None:
    entities = EntityMap(TOPOLOGY.services)
    assert is_call(_alert("a", None, caller="web-0", callee="orders-1"), entities)
    assert not is_call(_alert("b", None, caller="web-0", callee="web-1"), entities)
    assert not is_call(_alert("c", None, caller="web-0", callee="payments-1"), entities)
    assert not is_call(_alert("d", "web", pod="web-0"), entities)


def test_callee_label_that_disagrees_with_the_alert_service_still_has_a_first_alert() -> None:
    storm = StormEvidence(EntityMap(TOPOLOGY.services))
    storm.add(0, _alert("a1", "orders", caller="orders-0", callee="ledger-0"))
    storm.add(1, _alert("a2", "orders", caller="web-0", callee="ledger-1"))
    assert storm.elect(TOPOLOGY) == ("ledger", "ledger-0")
    assert storm.root(TOPOLOGY) == "a1"


def test_not_a_storm_without_calls() -> None:
    storm = StormEvidence(EntityMap(TOPOLOGY.services))
    for i, kpi in enumerate(["cpu", "memory", "threads", "io"]):
        storm.add(i, AlertFacts(id=kpi, at=T0, name=kpi, service="orders", labels={"pod": "o-1"}))
    assert storm.elect(TOPOLOGY) is None and storm.root(TOPOLOGY) is None

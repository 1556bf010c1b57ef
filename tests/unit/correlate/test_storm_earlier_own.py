"""Cause precedes effect among own anomalies (issue 15 pt 4): a service whose own anomalies
stand out less than the margin but began before the standing-out winner's own anomalies is the
likelier cause. Own times are compared with own times, never with trace alerts. A small
synthetic storm, through the real correlator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.correlate import AlertFacts, CorrelationConfig
from bot.correlate.elect import earlier_own
from bot.topology import Topology
from tests.unit.correlate.storms import elect

T0 = datetime(2025, 1, 1, tzinfo=UTC)
#: the rules' raw confidences: these tests are about the rules, not confidence.yaml
RAW = CorrelationConfig(storm_calibrated=False)
CPU, MEM, THREADS, FS = (
    "container_cpu_usage_seconds",
    "container_memory_usage_MB",
    "container_threads",
    "container_fs_reads",
)


def _call(i: str, s: int, caller: str, callee: str) -> AlertFacts:
    labels = {"caller": caller, "callee": callee, "operation": f"{callee}/Get"}
    return AlertFacts(i, T0 + timedelta(seconds=s), "trace:PD", callee.rsplit("-", 1)[0], labels)


def _own(i: str, s: int, pod: str, kpi: str) -> AlertFacts:
    labels = {"pod": pod, "kpi": kpi}
    return AlertFacts(
        i, T0 + timedelta(seconds=s), f"metric:{kpi}:up", pod.rsplit("-", 1)[0], labels
    )


def _storm(ledger_at: int, ledger: list[str]) -> list[AlertFacts]:
    web = AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0", "callee": "web-0"})
    return [
        web,
        _call("l1", 0, "web-0", "ledger-0"),
        _call("s1", 0, "web-0", "stock-0"),
        *(_own(f"l{i + 2}", ledger_at, "ledger-0", kpi) for i, kpi in enumerate(ledger)),
        *(_own(f"s{i + 2}", 40, "stock-0", kpi) for i, kpi in enumerate([CPU, MEM, THREADS, FS])),
    ]


def test_a_weaker_standout_whose_own_anomalies_came_first_wins_at_lower_confidence() -> None:
    topology = Topology({"web": ["ledger", "stock"], "ledger": [], "stock": []})
    # ledger-0 stands out less than stock-0 (below the own margin) but 35 s earlier
    verdict = elect(topology, _storm(5, [CPU, MEM]), RAW)
    assert (verdict.service, verdict.basis, verdict.runner_up) == ("ledger", "own", "stock")
    assert verdict.confidence <= 0.45
    # when ledger's own anomalies come after stock's, the heavier standout keeps the verdict
    later = elect(topology, _storm(45, [CPU, MEM]), RAW)
    assert later.service == "stock"


def test_earlier_own_needs_a_standout_and_an_earlier_own_time() -> None:
    at = T0 + timedelta(seconds=30)
    found = {"stock": (4.0, at), "ledger": (2.0, T0), "noise": (1.0, T0 - timedelta(seconds=9))}
    assert earlier_own(found, "stock", 2.0) == ("ledger", timedelta(seconds=30))
    assert earlier_own(found, "stock", 3.0) is None  # ledger does not stand out enough
    assert earlier_own({**found, "stock": (4.0, None)}, "stock", 2.0) is None
    assert earlier_own({"stock": (4.0, at), "late": (3.0, at)}, "stock", 2.0) is None


def test_an_earlier_standout_within_the_lead_does_not_overturn_the_winner() -> None:
    topology = Topology({"web": ["ledger", "stock"], "ledger": [], "stock": []})
    assert elect(topology, _storm(35, [CPU, MEM]), RAW).service == "stock"  # 5 s: too close

"""A consumer falling behind while a dependency it calls for each message is slow: the slow
dependency is the cause (issue 15 pt 1, ``failure_modes.yaml``), named with why, above the
consumer's own "saturated, cause not identified". Synthetic facts on a made-up graph."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import never_silent
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning_data import failure_modes


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("bus", "k8s_deployment", "bus", "q", tier="queue"),
            ServiceNode("maker", "k8s_deployment", "maker", "q", depends_on=("bus",)),
            ServiceNode("eater", "k8s_deployment", "eater", "q", depends_on=("bus", "mailer")),
            ServiceNode("mailer", "external", "mailer"),
        ]
    )


def shift(service: str, signal: str, summary: str) -> Finding:
    return Finding(
        type=FindingType.METRIC_SHIFT,
        service=service,
        summary=summary,
        source="metrics",
        attrs={"signal": signal, "direction": "up", "recovered": False},
    )


LAG = shift("eater", "backlog", "eater: consumer lag rose 12 min ago")
SLOW = shift("mailer", "latency", "mailer: latency rose 14 min ago")


def test_a_backlog_behind_a_slow_dependency_names_the_dependency() -> None:
    for facts in ([LAG, SLOW], [SLOW, LAG]):  # the caller is read first, whatever the order
        top = max(never_silent(facts, [], topo()), key=lambda h: h.confidence)
        assert (top.kind, top.service) == ("dependency_failure", "mailer")
        assert "falls behind" in top.summary
        assert top.confidence > failure_modes().unknown_confidence
        assert LAG.summary in top.evidence and SLOW.summary in top.evidence


def test_a_backlog_alone_stays_on_the_consumer() -> None:
    (hyp,) = never_silent([LAG], [], topo())
    assert hyp.service == "eater"
    assert "cause not identified" in hyp.summary

"""A callee waiting out a rate limit is slow for its callers (issue 15 pt 1): recurring lines
"API rate limit reached … waiting before retry" (a catalogue ``throttled`` signature, WARNING
level) show the service failing (``slow``), and the cause stays on it when the throttling
provider is outside the graph: "API" names every API, not the one app-tier dependency it has. A
dependency the line names by name is still blamed. Synthetic facts, no scenario."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import failing_services, never_silent
from bot.investigate.models import Finding, FindingType
from bot.investigate.signatures import match_line

LINE = "API rate limit reached for the mailing integration. Waiting 3.1s before retry."


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("front", "k8s_deployment", "front", "shop", depends_on=("orders",)),
            ServiceNode("orders", "k8s_deployment", "orders", "shop", depends_on=("ledger",)),
            ServiceNode("ledger", "k8s_deployment", "ledger", "shop", tier="app"),
        ]
    )


def throttled(count: int, **attrs: Any) -> Finding:
    return Finding(
        type=FindingType.LOG_SIGNATURE,
        service="orders",
        summary=f'orders: {count} line(s) like "{LINE}"',
        source="k8s:shop/orders-1/app",
        attrs={
            "signature": "throttled",
            "count": count,
            "level": "WARNING",
            "example": LINE,
            "mentions": None,
            **attrs,
        },
    )


def test_the_line_is_a_throttle_signature() -> None:
    matched = match_line(LINE)
    assert matched is not None and matched.kind == "throttled"


def test_a_recurring_rate_limit_wait_is_slow_and_stays_on_the_service() -> None:
    fails = failing_services([throttled(40)], topo())
    assert [f.service for f in fails] == ["orders"]
    assert "slow" in fails[0].labels
    hyp = never_silent([throttled(40)], [], topo())[0]
    assert (hyp.kind, hyp.service) == ("dependency_failure", "orders")
    assert "throttled" in hyp.summary


def test_one_wait_is_not_a_failure() -> None:
    assert not failing_services([throttled(1)], topo())


def test_a_dependency_the_line_names_is_blamed() -> None:
    hyp = never_silent([throttled(40, mentions="ledger")], [], topo())[0]
    assert hyp.service == "ledger"

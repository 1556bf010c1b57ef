"""Refinements of a symptom's cause from what the evidence says exactly: a name the resolver says
does not exist is a wrong host name (config), a resolver that does not answer is the network;
memory that ramps until the process dies of it is a leak."""

from __future__ import annotations

import pytest

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import never_silent
from bot.investigate.flows import default_playbooks
from bot.investigate.interpret import rank
from bot.investigate.models import Finding, FindingType
from bot.investigate.signatures import match_line

TOPO = Topology([ServiceNode("shop", "k8s_deployment", "shop", "prod")])


def log(text: str, count: int = 20) -> Finding:
    match = match_line(text)
    assert match is not None, text
    return Finding(
        type=FindingType.LOG_SIGNATURE,
        service="shop",
        summary=f'shop: {count} line(s) like "{text}"',
        source="k8s:prod/shop-1/shop",
        attrs={"count": count, "level": "ERROR", **match.finding_attrs()},
    )


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("dial tcp: lookup pricing on 10.96.0.10:53: no such host", "config_change"),
        ("getaddrinfo failed: Name or service not known", "config_change"),
        (
            "dial tcp: lookup pricing.prod: Temporary failure in name resolution",
            "network_partition",
        ),
    ],
)
def test_nxdomain_is_a_wrong_name_and_a_silent_resolver_is_the_network(
    line: str, kind: str
) -> None:
    (hyp,) = never_silent([log(line)], [], TOPO)
    assert (hyp.kind, hyp.service) == (kind, "shop")


def _memory(shape: str) -> Finding:
    return Finding(
        type=FindingType.METRIC_SHIFT,
        service="shop",
        summary=f"memory (shop) rose 47 min ago ({shape}), now 94 Percent",
        source="cloudwatch:pod_memory_utilization",
        attrs={"signal": "memory", "direction": "up", "shape": shape, "recovered": False},
    )


def test_memory_that_ramps_until_the_process_runs_out_is_a_leak() -> None:
    oom = log("java.lang.OutOfMemoryError: Java heap space", count=1)
    ranked = rank(default_playbooks(), [_memory("ramp"), oom], ["shop"], TOPO)
    assert (ranked[0].kind, ranked[0].service) == ("memory_leak", "shop")


def test_a_memory_step_is_not_read_as_a_leak() -> None:
    oom = log("java.lang.OutOfMemoryError: Java heap space", count=1)
    ranked = rank(default_playbooks(), [_memory("step"), oom], ["shop"], TOPO)
    assert all(h.kind != "memory_leak" for h in ranked)

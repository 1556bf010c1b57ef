"""A line saying a peer, link or tunnel went down (or no route to host) is a network path gone:
network_partition on the service that printed it, not a dependency it calls (issue 15 pt 3). The
signature and the cause are data; synthetic facts here."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from bot.investigate.signatures import match_line

TOPO = Topology([ServiceNode("edge-router", "k8s_deployment", "edge-router", "net")])


def needle(text: str) -> Finding:
    matched = match_line(text)
    assert matched is not None
    return Finding(
        type=FindingType.LOG_SIGNATURE,
        service="edge-router",
        summary=f'edge-router: 1 line(s) like "{text}"',
        source="k8s:net/edge-router-1/bgp",
        attrs={
            "count": 1,
            "level": "INFO",
            "example": text,
            "rare": True,
            "failure_words": "down",
            **matched.finding_attrs(),
        },
    )


def test_a_rare_line_saying_a_neighbour_went_down_is_a_network_partition() -> None:
    line = needle("bgpd: neighbor 198.51.100.7 went Down (hold timer expired)")
    assert line.attrs["signature"] == "network_unreachable"
    top = conclude([], default_playbooks(), [line], TOPO).hypotheses[0]
    assert (top.kind, top.service) == ("network_partition", "edge-router")
    assert "network path gone" in top.summary


def test_routine_words_with_down_in_them_are_not_a_path_down() -> None:
    for text in ("slowing down ingestion to 50 rps", "scaled down to 2 replicas", "cooldown over"):
        matched = match_line(text)
        assert matched is None or matched.finding_attrs().get("signature_id") != "net.peer_down"

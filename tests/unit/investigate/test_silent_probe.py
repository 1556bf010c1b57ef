"""A readiness probe that fails with no output while the container runs is an exec probe whose
command exits non-zero silently: the check in the spec, not the network (issue 15 pt 2/3). The
catalogue entry and the failure-mode cause are data; synthetic facts here."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from bot.investigate.signatures import match_event

TOPO = Topology([ServiceNode("ledger-ui", "k8s_deployment", "ledger-ui", "fin")])


def unhealthy(message: str) -> Finding:
    matched = match_event("Unhealthy", message)
    assert matched is not None
    return Finding(
        type=FindingType.K8S_EVENT,
        service="ledger-ui",
        summary=f"ledger-ui: Warning Unhealthy x30 on pod/ledger-ui-1: {message}",
        source="k8s:events/fin",
        attrs={"reason": "Unhealthy", "count": 30, **matched.finding_attrs()},
    )


def test_a_silent_readiness_failure_is_the_probe_in_the_spec() -> None:
    event = unhealthy("Readiness probe failed: ")
    assert event.attrs["signature_id"] == "k8s.probe.exec_silent"
    top = conclude([], default_playbooks(), [event], TOPO).hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "ledger-ui")
    assert "exec probe" in top.summary


def test_a_probe_that_says_what_it_saw_is_not_read_as_silent() -> None:
    event = unhealthy('Readiness probe failed: Get "http://10.1.2.3:8080/ready": i/o timeout')
    assert event.attrs["signature_id"] != "k8s.probe.exec_silent"
    top = conclude([], default_playbooks(), [event], TOPO).hypotheses[0]
    assert top.kind != "config_change"

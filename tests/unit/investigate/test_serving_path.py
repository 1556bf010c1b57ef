"""A change to how traffic reaches a service (its Kubernetes Service's ports or selector, its
replicas taken to zero) is the cause of its callers' refused connections: config_change on it,
not "it is down" (issue 15 pt 3, change relevance). The effects are data in
change_relevance.yaml; synthetic facts here, made-up names."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_general_causes import signed
from tests.unit.investigate.test_reasoning import finding

BOARD = Topology(
    [
        ServiceNode("board-web", "k8s_deployment", "board-web", "forum", depends_on=("threads",)),
        ServiceNode("threads", "k8s_deployment", "threads", "forum"),
    ]
)


def _change(kind: str, ago: float, **detail: Any) -> Finding:
    return finding(
        FindingType.CHANGE,
        "threads",
        f"threads: {kind} {ago} min ago by kubernetes-admin",
        ago,
        kind=kind,
        minutes_ago=ago,
        label=kind,
        behavioural=True,
        **detail,
    )


def _deployment(name: str, replicas: int) -> Finding:
    return finding(
        FindingType.RESOURCE_STATE,
        name,
        f"{name}: deployment forum/{name} wants {replicas} replica(s)",
        resource="k8s_deployment",
        state="configured",
        healthy=True,
        replicas=replicas,
        suggested=max(replicas * 2, replicas + 2),
    )


def _refused(ago: float) -> Finding:
    line = "TSocket::open() connect() <Host: threads Port: 9090>: Connection refused"
    return signed("board-web", line, ago)


def test_a_service_port_patch_before_its_callers_are_refused_is_the_cause() -> None:
    patch = _change(
        "config", 9, object="service/threads", field="spec.ports[0].targetPort", tool="kubectl"
    )
    findings = [patch, _refused(8), _deployment("board-web", 1), _deployment("threads", 1)]
    done = conclude([], default_playbooks(), findings, BOARD)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "threads")
    assert patch.summary in top.evidence
    assert not any(a.risk != "read" for a in done.actions)  # no registry action undoes a patch


def test_a_deployment_scaled_to_zero_is_the_cause_and_is_scaled_back() -> None:
    scale = _change("scaling", 9, object="deployment/threads", replicas="2 -> 0")
    findings = [scale, _refused(8), _deployment("board-web", 1), _deployment("threads", 0)]
    done = conclude([], default_playbooks(), findings, BOARD)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "threads")
    assert "scaled to zero" in top.summary
    assert done.actions[0].action == "k8s.scale_deployment"
    assert done.actions[0].params["name"] == "threads"
    assert done.actions[0].params["replicas"] >= 1


def test_a_scale_out_or_a_change_after_the_refusals_is_not_the_cause() -> None:
    out = _change("scaling", 9, object="deployment/threads", replicas="2 -> 4")
    late = _change("config", 3, object="service/threads", field="spec.selector")
    for change in (out, late):
        findings = [change, _refused(8), _deployment("threads", 2)]
        done = conclude([], default_playbooks(), findings, BOARD)
        assert ("config_change", "threads") not in {(h.kind, h.service) for h in done.hypotheses}


def test_a_deleted_service_before_its_callers_stop_resolving_it_is_the_cause() -> None:
    deleted = _change("config", 9, object="service/threads", action="deleted")
    lookup = signed(
        "board-web", "Error: 14 UNAVAILABLE: Name resolution failed for target dns:threads:9090", 8
    )
    findings = [deleted, lookup, _deployment("board-web", 1), _deployment("threads", 1)]
    done = conclude([], default_playbooks(), findings, BOARD)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "threads")
    assert deleted.summary in top.evidence
    assert not any(a.risk != "read" for a in done.actions)  # recreating a Service is not ours


def test_scaled_to_zero_and_back_leaves_a_replica_and_is_not_the_cause() -> None:
    scale = _change("scaling", 9, object="deployment/threads", replicas="1 -> 0 -> 1")
    findings = [scale, _refused(8), _deployment("board-web", 1), _deployment("threads", 1)]
    done = conclude([], default_playbooks(), findings, BOARD)
    assert not any("scaled to zero" in h.summary for h in done.hypotheses)

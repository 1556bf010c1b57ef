"""Exit code 137 is SIGKILL: only the OOMKilled reason (memory evidence) makes it an OOM kill.
A container killed by a signal with reason Error did nothing wrong itself: the service is down for
its callers, the kill's cause not identified (issue 15 pt 2). Rules are failure_modes.yaml data;
the pod states are built from the catalogue's match of the exit, made-up names."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from bot.investigate.signatures import match_exit

TOPO = Topology(
    [
        ServiceNode("lobby", "k8s_deployment", "lobby", "games", depends_on=("matchmaker",)),
        ServiceNode("matchmaker", "k8s_deployment", "matchmaker", "games"),
    ]
)


def _last_exit(reason: str) -> Finding:
    hit = match_exit(137, reason)
    assert hit is not None
    return Finding(
        type=FindingType.POD_STATE,
        service="matchmaker",
        summary=f"matchmaker: 1 of 1 pod(s) last terminated with {reason} (exit code 137)",
        source="k8s:pods/games/matchmaker",
        attrs={
            "reason": reason,
            "last_terminated": True,
            "count": 1,
            "pods": 1,
            "exit_code": 137,
            "restarts": 1,
            **hit.finding_attrs(),
        },
    )


def test_a_container_killed_by_a_signal_is_not_read_as_out_of_memory() -> None:
    done = conclude([], default_playbooks(), [_last_exit("Error")], TOPO)
    kinds = {(h.kind, h.service) for h in done.hypotheses}
    assert ("oom_killed", "matchmaker") not in kinds
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("dependency_failure", "matchmaker")
    assert "not OOMKilled" in top.summary
    assert not any(a.action == "k8s.set_resources" for a in done.actions)


def test_an_oom_killed_container_still_is() -> None:
    done = conclude([], default_playbooks(), [_last_exit("OOMKilled")], TOPO)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("oom_killed", "matchmaker")

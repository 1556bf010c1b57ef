"""A failure off the alerted services' path explains none of their symptoms (issue 15 pt 3,
topology): a sibling's surer reading ranks below the alerted service's own, and says why. Rules
in off_path.yaml; made-up names."""

from __future__ import annotations

from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_reasoning import crash


def _topology(edges: bool) -> Topology:
    return Topology(
        [
            ServiceNode(
                "gateway", "k8s_deployment", "gateway", "web",
                depends_on=("ledger", "badges") if edges else (),
            ),
            ServiceNode("ledger", "k8s_deployment", "ledger", "web"),
            ServiceNode("badges", "k8s_deployment", "badges", "web"),
        ]
    )  # fmt: skip


FINDINGS = [crash("ledger", 1), crash("badges", 137, "OOMKilled")]
ON_LEDGER = InvestigationTarget(alerts=[AlertView(name="KubePodCrashLooping", service="ledger")])


def test_without_an_alerted_service_the_surer_reading_leads() -> None:
    """The control: with no target, the sibling's OOM kill is the best reading of the facts."""
    done = conclude([], default_playbooks(), FINDINGS, _topology(True))
    assert done.hypotheses[0].service == "badges"


def test_a_sibling_of_the_alerted_service_ranks_below_its_own_reading() -> None:
    done = conclude([], default_playbooks(), FINDINGS, _topology(True), target=ON_LEDGER)
    top = done.hypotheses[0]
    assert top.service == "ledger", [(h.kind, h.service, h.confidence) for h in done.hypotheses]
    sibling = next(h for h in done.hypotheses if h.service == "badges")
    assert sibling.confidence < top.confidence
    assert any("on no dependency path of ledger" in a for a in sibling.against)
    assert not any(a.params.get("name") == "badges" for a in done.actions)


def test_a_topology_without_edges_says_nothing_about_paths() -> None:
    """No declared dependencies: "unrelated" would only mean "not described"; nothing moves."""
    done = conclude([], default_playbooks(), FINDINGS, _topology(False), target=ON_LEDGER)
    assert done.hypotheses[0].service == "badges"
    assert not any("dependency path" in a for h in done.hypotheses for a in h.against)

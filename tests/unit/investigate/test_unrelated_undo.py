"""No harmful fix: a rollback of a change that change relevance found probably unrelated (it came
after the symptom began) is withdrawn, whatever rank its hypothesis keeps (harm.yaml
``undo_actions``; bench_generated's noise deploys to a caller after the symptom). Made-up names.
"""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_reasoning import errors_up, finding

ZOR = Topology(
    [
        ServiceNode("brisk", "k8s_deployment", "brisk", "zor", depends_on=("vantor",)),
        ServiceNode("vantor", "rds", "vantor", tier="data"),
    ]
)


def _deploy(ago: float) -> list[Finding]:
    summary = f"brisk: deployment v7.1.0 → v7.2.0 {ago:g} min ago by dev@zor.example"
    return [
        finding(
            FindingType.CHANGE,
            "brisk",
            summary,
            ago,
            kind="deployment",
            minutes_ago=ago,
            label="v7.2.0",
            behavioural=True,
        ),
        finding(
            FindingType.CONFIG_DIFF,
            "brisk",
            f"brisk: revision 4 → 5 ({ago:g} min ago) changed image zor/brisk:v7.1.0 → zor/brisk:v7.2.0",  # noqa: E501
            ago,
            platform="k8s",
            field="image",
            old="zor/brisk:v7.1.0",
            new="zor/brisk:v7.2.0",
            revision=5,
            previous_revision=4,
            minutes_ago=ago,
        ),
    ]


def _writes_on_brisk(ago: float) -> list[str]:
    deploy = _deploy(ago)
    ranked = Hypothesis(
        kind="deployment_regression",
        service="brisk",
        confidence=0.9,
        summary="A recent deployment of brisk introduced the regression",
        evidence=[f.summary for f in deploy],
        playbook="api_latency_spike",
    )
    done = conclude([ranked], default_playbooks(), [errors_up("brisk", 14), *deploy], ZOR)
    assert done.hypotheses, "never silent"
    return [a.action for a in done.actions if a.risk != "read" and a.params.get("name") == "brisk"]


def test_a_rollback_of_a_deploy_after_the_symptom_began_is_withdrawn() -> None:
    assert _writes_on_brisk(6) == []


def test_a_rollback_of_a_deploy_before_the_symptom_is_still_proposed() -> None:
    assert "k8s.rollback_deployment" in _writes_on_brisk(20)

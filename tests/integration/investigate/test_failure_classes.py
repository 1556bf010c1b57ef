"""Kinds of failure k8sgpt's analyzers name (probes, Services without endpoints, RBAC, eviction,
a Job's command) each have a path from facts to a specific hypothesis. Each case is a small
synthetic scenario read through the scenario evidence (pods, events, logs) and investigated end
to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.investigate import InvestigationContext, Topology, investigate_incident
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.mark.parametrize(
    ("case", "kind", "service", "says"),
    [
        # killed by its liveness probe (exit 137, no OOMKilled) refused on a port nothing
        # listens on: the probe in its spec, not memory
        ("class-liveness", "crashloop_bad_config", "quotes", "liveness probe"),
        # the caller gets "no endpoints available for service": the callee's Service selects
        # none of its running pods
        ("class-noendpoints", "config_change", "carts", "no endpoints"),
        # its service account is refused a call it needs: RBAC configuration, not the code
        ("class-rbac", "crashloop_bad_config", "reporter", "permission"),
        # evicted because the node ran out of ephemeral storage that its pods fill
        ("class-evicted-disk", "disk_exhaustion", "thumbnailer", "evicted"),
        # a Job whose shell cannot parse its command: a configuration error, over the generic
        # "not ready, so unreachable" reading of the same pods
        ("class-shell-syntax", "crashloop_bad_config", "nightly-export", "configuration error"),
        # a readiness probe whose path answers 404 while the process serves: the probe's spec
        ("class-readiness-404", "config_change", "ledger-api", "readiness probe"),
        # the namespace's ResourceQuota was changed just before the workload's new pods were
        # refused by it: the quota change stops them, not the workload's scaling
        ("class-quota-changed", "config_change", "pricing", "quota"),
        # the same refusal with no change to the quota: the workload grew into it
        ("class-quota-used-up", "scaling_limit", "pricing", "quota"),
    ],
)
def test_each_kind_reaches_a_specific_hypothesis(
    case: str, kind: str, service: str, says: str
) -> None:
    scenario = load_scenario(SCENARIOS / f"{case}.yaml").scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    result = investigate_incident(ctx, incident_view(scenario.alerts, scenario.alerts[0].id))
    top = result.hypotheses[0]
    assert (top.kind, top.service) == (kind, service), top.summary
    assert says in top.summary
    assert "cause not identified" not in top.summary


def test_a_quota_that_refuses_the_pods_sends_the_first_step_to_the_quota_s_owner() -> None:
    scenario = load_scenario(SCENARIOS / "class-quota-changed.yaml").scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    result = investigate_incident(ctx, incident_view(scenario.alerts, scenario.alerts[0].id))
    assert not any(a.risk != "read" for a in result.actions)
    assert result.next_steps and "ResourceQuota of market" in result.next_steps[0]
    assert "resourcequota/mem-cap" in result.next_steps[0]

"""Steps run in parallel; a failed read becomes a fact, a slow one times out, the run goes on."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from botocore.exceptions import ClientError

from bot.investigate import InvestigationContext, Topology, investigate_incident
from bot.investigate.sources import ChangeRecord, MetricRef, SeriesData
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario

SCENARIO = (
    Path(__file__).parents[2] / "integration/investigate/scenarios/api-deploy-regression.yaml"
)


class DeniedTrail(ScenarioEvidence):
    """The scenario's evidence, except that CloudTrail refuses and metrics hang."""

    def changes(self, start: datetime, end: datetime) -> list[ChangeRecord]:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "LookupEvents")

    def read_metric(self, ref: MetricRef, start: datetime, end: datetime) -> SeriesData:
        time.sleep(6.0)
        return super().read_metric(ref, start, end)


def test_failures_are_facts_and_the_rest_still_reasons() -> None:
    scenario = load_scenario(SCENARIO).scenario
    ctx = InvestigationContext(
        DeniedTrail(scenario), Topology.from_specs(scenario.services), step_timeout_s=0.5
    )
    t0 = time.monotonic()
    result = investigate_incident(ctx, incident_view(scenario.alerts))
    elapsed = time.monotonic() - t0
    facts = [f.text for f in result.facts]
    assert "Change history (CloudTrail) read (changes.recent) failed: AccessDenied" in facts
    assert any("metrics.scan" in t and "timed out" in t for t in facts)
    status = {s.primitive: s.status for s in result.steps}
    assert status["changes.recent"] == "failed" and status["metrics.scan"] == "timeout"
    assert status["k8s.pods"] == "ok" and status["config_diff.k8s"] == "ok"
    assert elapsed < 4.0  # the hung step was abandoned at its timeout, not awaited
    # with the change history gone, the revision diff still points at the rollout
    assert result.hypotheses == [] or result.hypotheses[0].service == "api"


class NoCluster(ScenarioEvidence):
    """The scenario's evidence as seen from a machine with no kubeconfig."""

    def unavailable(self, family: str) -> str | None:
        return "Kubernetes not configured (set KUBECONFIG)" if family == "k8s" else None


def test_reads_with_nothing_to_read_from_are_skipped_not_ok_with_zero_found() -> None:
    path = Path(__file__).parents[3] / "examples/scenarios/02-k8s-crashloop-bad-env.yaml"
    scenario = load_scenario(path).scenario
    ctx = InvestigationContext(NoCluster(scenario), Topology.from_specs(scenario.services))
    result = investigate_incident(ctx, incident_view(scenario.alerts))
    k8s_steps = [s for s in result.steps if s.primitive.startswith("k8s.")]
    assert k8s_steps, "the crash-loop playbooks plan Kubernetes reads"
    assert {s.status for s in k8s_steps} == {"skipped"}
    assert all(s.error == "skipped: Kubernetes not configured (set KUBECONFIG)" for s in k8s_steps)
    assert not any(f.source.startswith("k8s.") for f in result.facts if "failed" in f.text)
    assert any(s.status == "ok" for s in result.steps if not s.primitive.startswith("k8s."))


def test_live_evidence_names_what_is_not_configured() -> None:
    from bot.clock import SystemClock
    from bot.investigate.sources_live import LiveEvidence

    live = LiveEvidence(clock=SystemClock(), topology=Topology([]), aws=None, k8s=None)
    assert live.unavailable("k8s") == "Kubernetes not configured (set KUBECONFIG)"
    assert live.unavailable("resources") is not None
    # nothing to scan, read or walk is "not configured", never "ok, 0 found"
    assert live.unavailable("metrics") == "metrics not configured (no metric catalogue to scan)"
    assert live.unavailable("logs") == "logs not configured (no log sources to read)"
    assert live.unavailable("topology") == (
        "service graph not configured (set AIOPS_TOPOLOGY_FILE)"
    )
    configured = LiveEvidence(
        clock=SystemClock(),
        topology=Topology({"api": ["db"]}),
        aws=None,
        metric_catalog=[MetricRef("AWS/EC2", "CPUUtilization", {"InstanceId": "i-1"})],
        log_sources=["file:/var/log/api.log"],
    )
    assert [configured.unavailable(f) for f in ("metrics", "logs", "topology")] == [None] * 3


def test_each_step_says_what_it_read_a_read_with_no_resource_in_scope_is_skipped() -> None:
    """An RDS read in a world with no RDS instance looked at nothing: 'skipped' with why, not
    'ok, 0 found'; the parameter-change read beside it did run and failed, and says so."""
    from bot.investigate import investigate_query
    from bot.investigate.primitives import READS

    path = Path(__file__).parents[3] / "examples/scenarios/04-ec2-runaway-cpu.yaml"
    scenario = load_scenario(path).scenario
    topology = Topology.from_specs(scenario.services)
    assert not any(n.kind == "rds" for n in topology.services.values())
    ctx = InvestigationContext(DeniedTrail(scenario), topology, step_timeout_s=10)
    result = investigate_query(ctx, "database connections exhausted, RDS instance down")
    steps = {s.primitive: s for s in result.steps}
    assert steps["resources.rds"].status == "skipped"
    assert steps["resources.rds"].error is not None
    assert "no RDS instance among the" in steps["resources.rds"].error
    assert steps["config_diff.rds"].status == "failed"
    assert steps["config_diff.rds"].error == "AccessDenied"
    for primitive, kind in READS.items():  # every skip of this kind is true to the graph
        if primitive in steps and steps[primitive].status == "ok":
            assert any(n.kind == kind for n in topology.services.values()), primitive


def test_an_empty_service_graph_says_so() -> None:
    scenario = load_scenario(SCENARIO).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology([]))
    from bot.investigate import investigate_query

    result = investigate_query(ctx, "database connections exhausted, RDS instance down")
    rds = next(s for s in result.steps if s.primitive == "resources.rds")
    assert rds.status == "skipped"
    assert rds.error == (
        "skipped: no RDS instance to read: the service graph is empty (set AIOPS_TOPOLOGY_FILE)"
    )

"""The new playbooks over the real clients: boto3 against moto (target health served as the
scenario says, stopped tasks seeded through RunTask/StopTask, the default VPC), the same
answers as the in-process adapter (test_targets_and_tasks.py, test_playbooks_fire.py)."""

from __future__ import annotations

from pathlib import Path

from bot.investigate import investigate_incident, investigate_query
from bot.investigate.models import FindingType, InvestigationResult
from sandbox.investigate.context import context_for_world
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

HERE = Path(__file__).parent / "scenarios"


def _investigate(name: str, query: str | None = None) -> tuple[InvestigationResult, SandboxWorld]:
    scenario = load_scenario(HERE / f"{name}.yaml").scenario
    with SandboxWorld(scenario) as world:
        ctx = context_for_world(world)
        if query is not None:
            return investigate_query(ctx, query), world
        return investigate_incident(ctx, incident_view(list(scenario.alerts))), world


def _ok(result: InvestigationResult) -> None:
    assert all(s.status in ("ok", "skipped") for s in result.steps), [
        (s.name, s.error) for s in result.steps if s.status not in ("ok", "skipped")
    ]


def test_target_health_and_port_mismatch_through_elbv2() -> None:
    result, _ = _investigate("lb-health-port-mismatch")
    _ok(result)
    top = result.hypotheses[0]
    assert (top.kind, top.service) == ("deployment_regression", "billing")
    found = [f for f in result.findings if f.type == FindingType.TARGET_HEALTH]
    timeouts = [f for f in found if f.attrs.get("reason") == "Target.Timeout"]
    assert [f.attrs["targets"] for f in timeouts] == [3]
    assert timeouts[0].attrs["signature_id"] == "elb.target.timeout"
    assert timeouts[0].attrs["load_balancer"] == "internal-alb"
    [mismatch] = [f for f in found if f.attrs.get("mismatch")]
    # the container port read from the live task definition (billing:7), the check's from elbv2
    assert (mismatch.attrs["listening"], mismatch.attrs["health_check_port"]) == ("9090", "8080")
    assert result.actions[0].action == "ecs.rollback_service"
    assert result.actions[0].params["task_definition_revision"] == 6


def test_healthy_targets_through_elbv2() -> None:
    result, _ = _investigate("lb-health-ok")
    _ok(result)
    found = [f for f in result.findings if f.type == FindingType.TARGET_HEALTH]
    assert [f.attrs["state"] for f in found] == ["healthy"]
    assert not any(h.playbook == "lb_target_health" for h in result.hypotheses)


def test_stopped_tasks_through_ecs() -> None:
    result, _ = _investigate("ecs-task-oom")
    _ok(result)
    assert (result.hypotheses[0].kind, result.hypotheses[0].service) == ("oom_killed", "exporter")
    [stopped] = [f for f in result.findings if f.type == FindingType.TASK_STOPPED]
    assert stopped.attrs["tasks"] == 5 and stopped.attrs["exit_code"] == 137
    assert stopped.attrs["stop_code"] == "EssentialContainerExited"
    assert stopped.attrs["revision"] == 11


def test_reachability_through_the_describe_calls() -> None:
    # moto has no Reachability Analyzer: the path is computed from the default VPC's tables
    result, _ = _investigate("vpc-unreachable")
    _ok(result)
    assert (result.hypotheses[0].kind, result.hypotheses[0].service) == (
        "network_partition",
        "orders",
    )
    [verdict] = [f for f in result.findings if f.type == FindingType.REACHABILITY]
    assert verdict.attrs["reachable"] is False and verdict.attrs["method"] == "computed"
    assert verdict.attrs["blocked_by"] == "security_group" and verdict.attrs["port"] == 5432
    assert "ledger-sg" in verdict.summary


def test_reachable_pair_and_the_port_of_the_question() -> None:
    result, _ = _investigate("vpc-reachable", "can orders reach ledger on port 5432")
    _ok(result)
    verdicts = [f for f in result.findings if f.type == FindingType.REACHABILITY]
    assert [(f.attrs["port"], f.attrs["reachable"]) for f in verdicts] == [(5432, True)]
    assert not any(h.kind == "network_partition" for h in result.hypotheses)

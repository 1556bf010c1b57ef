"""Stopped ECS tasks and load balancer target health, read through the signature catalogue
(the in-process evidence adapter; the same reads over boto3 and moto: test_targets_live.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.investigate import InvestigationContext, Topology, investigate_query
from bot.investigate.models import FindingType
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario
from tests.integration.investigate.test_playbooks_fire import run

PLAYBOOK_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "playbooks"


def _findings(ref: str, kind: FindingType) -> list[dict[str, object]]:
    return [
        {**f.attrs, "service": f.service, "summary": f.summary}
        for f in run(ref).findings
        if f.type == kind
    ]


def test_oom_stopped_tasks_lead_to_oom_killed() -> None:
    result = run("t:ecs-task-oom")
    top = result.hypotheses[0]
    assert (top.kind, top.service) == ("oom_killed", "exporter")
    [stopped] = _findings("t:ecs-task-oom", FindingType.TASK_STOPPED)
    # the container's own reason explains the task, not the generic "essential container exited"
    assert stopped["signature_id"] == "aws.ecs_container_oom"
    assert stopped["exit_code"] == 137 and stopped["tasks"] == 5
    assert any("OutOfMemoryError" in e for e in top.evidence)


def test_a_task_someone_stopped_is_not_a_failure() -> None:
    summaries = [f["summary"] for f in _findings("t:ecs-task-oom", FindingType.TASK_STOPPED)]
    assert not any("Scaling activity" in str(s) for s in summaries)


def test_resource_initialization_is_a_configuration_cause() -> None:
    result = run("t:ecs-task-secrets")
    assert (result.hypotheses[0].kind, result.hypotheses[0].service) == (
        "crashloop_bad_config",
        "notifier",
    )
    [stopped] = _findings("t:ecs-task-secrets", FindingType.TASK_STOPPED)
    assert stopped["signature_id"] == "aws.ecs_resource_init"
    assert stopped["stop_code"] == "TaskFailedToStart"


def test_no_stopped_tasks_no_task_findings() -> None:
    assert _findings("t:lb-health-ok", FindingType.TASK_STOPPED) == []


def test_unhealthy_targets_carry_their_reason_signature() -> None:
    found = _findings("t:lb-health-port-mismatch", FindingType.TARGET_HEALTH)
    unhealthy = [f for f in found if f.get("reason") == "Target.Timeout"]
    assert [f["targets"] for f in unhealthy] == [3]
    assert unhealthy[0]["signature_id"] == "elb.target.timeout"
    [mismatch] = [f for f in found if f.get("mismatch")]
    assert mismatch["mismatch"] == "port" and mismatch["listening"] == "9090"
    assert mismatch["service"] == "billing"
    # the healthy group of another service is a fact about that service, not a failure
    healthy = [f for f in found if f.get("state") == "healthy"]
    assert [f["service"] for f in healthy] == ["web"]


def test_the_port_mismatch_proposes_the_rollback() -> None:
    result = run("t:lb-health-port-mismatch")
    first = result.actions[0]
    assert first.action == "ecs.rollback_service"
    assert first.params["service"] == "billing" and first.params["task_definition_revision"] == 6


def test_healthy_targets_raise_no_mismatch() -> None:
    found = _findings("t:lb-health-ok", FindingType.TARGET_HEALTH)
    assert [f["state"] for f in found] == ["healthy"]
    assert not any(f.get("mismatch") for f in found)


@pytest.mark.parametrize(
    ("scenario", "query", "playbook", "selected"),
    [
        ("p03-sg-blocks-db-port", "can billing-worker reach billing-pg on port 5432?",
         "vpc_reachability", True),
        ("p01-alb-health-path-after-release", "why are ledger-api targets unhealthy",
         "lb_target_health", True),
        # 'report-builder' carries 'port': a keyword is not a piece of a service's name
        ("p02-fargate-tasks-oom", "why do report-builder fargate tasks keep stopping",
         "vpc_reachability", False),
    ],
)  # fmt: skip
def test_questions_select_the_playbook(
    scenario: str, query: str, playbook: str, selected: bool
) -> None:
    s = load_scenario(PLAYBOOK_SCENARIOS / f"{scenario}.yaml").scenario
    ctx = InvestigationContext(ScenarioEvidence(s), Topology.from_specs(s.services))
    result = investigate_query(ctx, query)
    assert (playbook in result.classification.playbooks) is selected

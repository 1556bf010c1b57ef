"""Investigated incidents for the history tests: built from typed findings and hypotheses, the
shapes the engine produces (no engine run needed)."""

from __future__ import annotations

from typing import Any

from bot.history import flows
from bot.investigate.classify import AlertView
from bot.investigate.models import (
    Classification,
    Finding,
    FindingType,
    Hypothesis,
    InvestigationResult,
    RecommendedAction,
)
from bot.store import Database, Incident
from bot.topology import Topology


def topology(*services: tuple[str, str]) -> Topology:
    return Topology.from_services(
        [{"name": n, "runs_on": {"kind": k, "name": n}} for n, k in services]
    )


def oom(service: str) -> tuple[InvestigationResult, list[AlertView]]:
    findings = [
        Finding(type=FindingType.POD_STATE, service=service,
                summary=f"{service}: 3 pod(s) OOMKilled (exit 137), 14 restarts",
                source="k8s:pods",
                attrs={"reason": "OOMKilled", "exit_code": 137, "restarts": 14,
                       "signature": "oom_killed", "memory_limit": "256Mi"}),
        Finding(type=FindingType.METRIC_SHIFT, service=service,
                summary=f"{service} memory up 80%", source="cloudwatch",
                attrs={"signal": "memory", "direction": "up", "shape": "ramp"}),
    ]  # fmt: skip
    hyp = Hypothesis(kind="oom_killed", service=service, confidence=0.8,
                     summary=f"{service} is killed for memory",
                     evidence=[findings[0].summary])  # fmt: skip
    act = RecommendedAction(action="k8s.set_memory_limit", params={"name": service},
                            risk="medium", rationale="raise the limit")  # fmt: skip
    alerts = [AlertView(name=f"{service}-PodRestarting", service=service, summary="restarts")]
    return _result(f"{service} restarting", service, findings, [hyp], [act]), alerts


def deploy_regression(service: str) -> tuple[InvestigationResult, list[AlertView]]:
    findings = [
        Finding(type=FindingType.CHANGE, service=service,
                summary=f"{service} deployed v2.3.1 12 min before", source="changes",
                attrs={"kind": "deployment", "version": "v2.3.1"}),
        Finding(type=FindingType.METRIC_SHIFT, service=service,
                summary=f"{service} p99 latency step up", source="cloudwatch",
                attrs={"signal": "latency", "direction": "up", "shape": "step"}),
    ]  # fmt: skip
    hyp = Hypothesis(kind="deployment_regression", service=service, confidence=0.75,
                     summary=f"{service} v2.3.1 regressed",
                     evidence=[findings[0].summary])  # fmt: skip
    act = RecommendedAction(action="k8s.rollback_deployment", params={"name": service},
                            risk="medium", rationale="roll back")  # fmt: skip
    alerts = [AlertView(name="HighLatency", service=service, summary=f"p99 high on {service}")]
    return _result(f"{service} slow", service, findings, [hyp], [act]), alerts


def _result(
    query: str, service: str, findings: list[Finding], hyps: list[Hypothesis],
    actions: list[RecommendedAction],
) -> InvestigationResult:  # fmt: skip
    return InvestigationResult(
        query=query,
        classification=Classification(incident_class="x", targets=[service]),
        findings=findings, hypotheses=hyps, actions=actions,
    )  # fmt: skip


def store_past(
    db: Database, case: tuple[InvestigationResult, list[AlertView]], topo: Topology,
    **incident: Any,
) -> int:  # fmt: skip
    """An incident row with the case remembered as its investigation."""
    result, alerts = case
    with db.session() as s:
        row = Incident(title=result.query, services=list(result.classification.targets),
                       **incident)  # fmt: skip
        s.add(row)
        s.flush()
        assert row.id is not None
        incident_id = row.id
    flows.remember(db, result, incident_id=incident_id, investigation_id=None, topology=topo,
                   alerts=alerts)  # fmt: skip
    return incident_id

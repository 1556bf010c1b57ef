"""An incident whose alert names no service is never silent (issue 15 pt 1).

A generic alert that carries no ``service`` (a question sent as an alert, a webhook with only a
namespace label) used to end with no hypothesis when nothing read showed a failure: the alert
fallback needs a service, and the question answer ran for typed questions only. The alert is now
read as the question it asks, about the services the classification took it to mean, and the
answer says it was assumed from that alert; an informational alert (a heartbeat) reports no
symptom, so it is answered from what was read (healthy here), not read as a failure. A small
made-up world, run in process."""

from __future__ import annotations

from bot.investigate import InvestigationContext, Topology, investigate_incident
from bot.investigate.models import InvestigationResult
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import parse_scenario_text

WORLD = """
version: 1
name: alert-without-a-service
summary: "a generic alert asks what is wrong with the ledger queue; it names no service"
now: "2025-09-04T10:00:00Z"
services:
  - name: ledger-queue
    tier: queue
    runs_on: {kind: k8s_deployment, namespace: books, name: ledger-queue}
    depends_on: []
  - name: poster
    tier: app
    runs_on: {kind: k8s_deployment, namespace: books, name: poster}
    depends_on: [ledger-queue]
kubernetes:
  deployments:
    - {namespace: books, name: ledger-queue, replicas: 1,
       revisions: [{revision: 1, image: q:1, at: -9d}]}
    - {namespace: books, name: poster, replicas: 1,
       revisions: [{revision: 1, image: p:1, at: -9d}]}
  pods:
    - {namespace: books, name: ledger-queue-1a2b3-x1, owner: ledger-queue, phase: Running,
       node: n-1,
       containers: [{name: q, ready: true, restart_count: 0}]}
    - {namespace: books, name: poster-4c5d6-y2, owner: poster, phase: Running, node: n-1,
       containers: [{name: p, ready: true, restart_count: 0}]}
logs:
  - source: k8s:books/poster-4c5d6-y2/p
    lines:
      - {at: -1h, level: INFO, text: "posted entry", repeat: 60, every: 60s}
"""
QUESTION = """alerts:
  - {id: a1, at: -1m, format: generic, name: Question, severity: warning,
     labels: {namespace: books}, summary: "What's wrong with the ledger-queue?"}
"""
HEARTBEAT = """alerts:
  - {id: a1, at: -1m, format: alertmanager, name: Watchdog, severity: info, service: poster,
     labels: {namespace: books}, summary: "the alerting pipeline is alive"}
"""


def _investigate(world: str) -> InvestigationResult:
    scenario = parse_scenario_text(world).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    return investigate_incident(ctx, incident_view(scenario.alerts, "a1"))


def test_an_alert_that_names_no_service_gets_an_answer_on_the_service_it_means() -> None:
    result = _investigate(WORLD + QUESTION)
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    assert top.service == "ledger-queue"  # the service its words name
    assert "assumed from the Question alert" in top.summary
    assert "cause not identified" in top.summary
    assert top.confidence <= 0.2
    assert any(e.startswith("the Question alert about ledger-queue") for e in top.evidence)
    assert not [a for a in result.actions if a.risk != "read"]  # nothing to fix blindly


def test_a_heartbeat_alert_is_answered_from_what_was_read_not_as_a_failure() -> None:
    result = _investigate(WORLD + HEARTBEAT)  # "alerting" is a symptom word; the severity wins
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    assert (top.kind, top.service) == ("healthy", "poster")
    assert top.confidence <= 0.2

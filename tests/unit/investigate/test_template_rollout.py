"""A rollout that kept the image and the environment but changed the pod template (a command, a
readiness probe, an init container, a node selector): the recorded change names the field, the
revision diff says so, and the rollout is rolled back. Pending alone is not a full cluster.

Each world is made up; each assertion fails without its piece: ``_template_change`` in
``config_diff.py``, the ``config_change`` rule of ``k8s_deployment_failed.yaml``, the template
diff in ``k8s_crashloop.yaml`` and the scheduler's verdict required by ``k8s_pending_pods.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.investigate import InvestigationContext, Topology
from bot.investigate.context import ServiceNode
from bot.investigate.interpret import rank, recommend
from bot.investigate.models import Finding, FindingType
from bot.investigate.plan import make_scope
from bot.investigate.playbook_load import load_playbooks
from bot.investigate.primitives.config_diff import k8s_revisions
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario

WORLD = """
version: 1
name: template-rollout
now: '2026-01-05T10:00:00Z'
services:
  - {name: ledger, tier: app, runs_on: {kind: k8s_deployment, namespace: fin, name: ledger}}
kubernetes:
  deployments:
    - namespace: fin
      name: ledger
      replicas: 1
      revisions:
        - {revision: 4, image: 'acme/ledger:1.8.0', at: -5d}
        - {revision: 5, image: 'acme/ledger:1.8.0', at: -12m}
  pods:
    - namespace: fin
      name: ledger-5c9d7f-k2x8p
      owner: ledger
      phase: Running
      containers: [{name: ledger, ready: false}]
changes:
{changes}
alerts:
  - {id: a1, at: -5m, format: alertmanager, name: KubePodNotReady, severity: warning,
     service: ledger}
"""

PROBE = (
    "  - {at: -12m, kind: config, service: ledger, source: manual, "
    "detail: {object: deployment/ledger, field: readinessProbe, from: null, to: 'port 9'}}"
)
RESTART = (
    "  - {at: -12m, kind: config, service: ledger, source: manual, "
    "detail: {object: configmap/ledger-flags, then: kubectl rollout restart deployment ledger}}"
)


def diffs(tmp_path: Path, changes: str) -> list[Finding]:
    path = tmp_path / "world.yaml"
    path.write_text(WORLD.replace("{changes}", changes))
    scenario = load_scenario(path).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    return k8s_revisions(ctx, make_scope(ctx, ["ledger"]), {})


def test_a_revision_that_kept_image_and_env_names_the_recorded_template_change(
    tmp_path: Path,
) -> None:
    (found,) = diffs(tmp_path, PROBE)
    assert found.type == FindingType.CONFIG_DIFF
    assert (found.attrs["platform"], found.attrs["field"]) == ("k8s", "template")
    assert found.attrs["key"] == "readinessProbe" and found.attrs["new"] == "port 9"
    assert "revision 4 → 5" in found.summary


def test_a_restart_that_records_no_template_field_is_no_diff(tmp_path: Path) -> None:
    assert diffs(tmp_path, RESTART) == []


TOPO = Topology([ServiceNode("ledger", "k8s_deployment", "ledger", "fin")])


def f(type_: FindingType, **attrs: Any) -> Finding:
    return Finding(type=type_, service="ledger", summary=f"ledger {attrs}", source="t", attrs=attrs)


TEMPLATE = f(
    FindingType.CONFIG_DIFF,
    platform="k8s",
    field="template",
    key="initContainers",
    minutes_ago=12.0,
)
PENDING = f(FindingType.POD_STATE, reason="Pending", count=1, pods=1)
NOT_READY = f(FindingType.POD_STATE, reason="NotReady", count=1, pods=1)
CRASHING = f(FindingType.POD_STATE, reason="CrashLoopBackOff", count=1, pods=1)
NO_ROOM = f(
    FindingType.K8S_EVENT,
    reason="FailedScheduling",
    message="0/3 nodes are available: 3 Insufficient memory.",
)


def ranked(*findings: Finding) -> list[tuple[str, str]]:
    return [(h.kind, h.service) for h in rank(load_playbooks(), findings, ["ledger"], TOPO)]


def test_a_template_rollout_that_never_becomes_ready_is_a_config_change_rolled_back() -> None:
    books = load_playbooks()
    for stuck in (PENDING, NOT_READY):
        hyps = rank(books, [TEMPLATE, stuck], ["ledger"], TOPO)
        assert (hyps[0].kind, hyps[0].service) == ("config_change", "ledger")
        (first, *_) = recommend(hyps, books, [TEMPLATE, stuck], TOPO)
        assert first.action == "k8s.rollback_deployment"
        assert first.params == {"namespace": "fin", "name": "ledger"}


def test_a_template_rollout_that_crashes_is_a_bad_configuration() -> None:
    assert ranked(TEMPLATE, CRASHING)[0] == ("crashloop_bad_config", "ledger")


def test_pending_alone_is_not_a_full_cluster_but_the_schedulers_verdict_is() -> None:
    assert ("scaling_limit", "ledger") not in ranked(PENDING)
    assert ranked(PENDING, NO_ROOM)[0] == ("scaling_limit", "ledger")

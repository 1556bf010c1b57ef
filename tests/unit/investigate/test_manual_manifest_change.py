"""A deployment a person re-applied or patched by hand with the build it had (no new version, no
API call: a probe, a sidecar, an init container, a selector) is a configuration change of the
workload, not a release that can regress; a pipeline's deploy, or a hand deploy that names its new
version, stays a deployment.

The world is made up; the assertions fail without ``_kind_of`` in ``primitives/changes.py``.
"""

from __future__ import annotations

from pathlib import Path

from bot.investigate import InvestigationContext, Topology
from bot.investigate.context import ServiceNode
from bot.investigate.interpret import rank
from bot.investigate.models import Finding, FindingType
from bot.investigate.plan import make_scope
from bot.investigate.playbook_load import load_playbooks
from bot.investigate.primitives.changes import recent
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario

WORLD = """
version: 1
name: manual-manifest
now: '2026-01-05T10:00:00Z'
services:
  - {name: quill, tier: app, runs_on: {kind: k8s_deployment, namespace: ink, name: quill}}
kubernetes:
  deployments:
    - namespace: ink
      name: quill
      replicas: 1
      revisions:
        - {revision: 1, image: 'acme/quill:3.1.0', at: -14m}
changes:
  - {at: -14m, kind: deployment, service: quill, {how}}
alerts:
  - {id: a1, at: -5m, format: alertmanager, name: HighErrorRate, severity: critical,
     service: quill}
"""

BY_HAND = (
    "source: manual, actor: ops@example.com, detail: {object: deployment/quill, "
    "action: deleted and re-applied, tool: kubectl}"
)
BY_HAND_NEW_VERSION = "source: manual, version: '3.2.0', previous: '3.1.0'"
BY_PIPELINE = "source: argocd, detail: {app: quill}"


def changes(tmp_path: Path, how: str) -> list[Finding]:
    path = tmp_path / "world.yaml"
    path.write_text(WORLD.replace("{how}", how))
    scenario = load_scenario(path).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    return recent(ctx, make_scope(ctx, ["quill"]), {})


def test_a_hand_reapplied_manifest_with_no_new_version_is_a_config_change(tmp_path: Path) -> None:
    (found,) = changes(tmp_path, BY_HAND)
    assert found.attrs["kind"] == "config" and found.attrs["behavioural"]
    assert found.summary.startswith("quill: config ")


def test_a_versioned_or_pipeline_deploy_stays_a_deployment(tmp_path: Path) -> None:
    for how in (BY_HAND_NEW_VERSION, BY_PIPELINE):
        (found,) = changes(tmp_path, how)
        assert found.attrs["kind"] == "deployment", how


def test_errors_after_a_hand_reapplied_manifest_blame_the_configuration(tmp_path: Path) -> None:
    (change,) = changes(tmp_path, BY_HAND)
    errors = Finding(
        type=FindingType.METRIC_SHIFT,
        service="quill",
        source="test",
        summary="quill errors up",
        attrs={"signal": "errors", "direction": "up"},
    )
    topo = Topology([ServiceNode("quill", "k8s_deployment", "quill", "ink")])
    kinds = [h.kind for h in rank(load_playbooks(), [change, errors], ["quill"], topo)]
    assert kinds and kinds[0] == "config_change"
    assert "deployment_regression" not in kinds

"""A rollout mounts a Secret that does not exist: the kubelet says so ("MountVolume.SetUp failed
for volume … : secret … not found") and, every two minutes after, says only that it timed out
("Unable to attach or mount volumes: … timed out waiting for the condition"). The events
primitive keeps one finding per service and reason: the one whose catalogue entry says the
most, whichever came last; the missing Secret is then the crash-loop-on-configuration reading
of the rollout (signature_causes.yaml, ``container_config``). Made-up names; fails without the
priority in ``primitives.k8s.events``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.investigate import InvestigationContext, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.interpret import rank
from bot.investigate.plan import make_scope
from bot.investigate.primitives.config_diff import k8s_revisions
from bot.investigate.primitives.k8s import events, pods
from bot.investigate.reasoning import conclude
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario

WORLD = """
version: 1
name: mount-secret
now: '2026-01-05T10:00:00Z'
services:
  - {name: dravel, tier: app, runs_on: {kind: k8s_deployment, namespace: kep, name: dravel}}
kubernetes:
  deployments:
    - namespace: kep
      name: dravel
      replicas: 1
      revisions:
        - {revision: 7, image: 'kep/dravel:2.4.1', at: -6d}
        - {revision: 8, image: 'kep/dravel:2.4.1', at: -14m}
  pods:
    - namespace: kep
      name: dravel-6f8d7c-q2x9z
      owner: dravel
      phase: Pending
      containers:
        - {name: dravel, ready: false, state: {waiting: {reason: ContainerCreating}}}
  events:
{events}
changes:
  - {at: -14m, kind: config, service: dravel, source: manual,
     detail: {object: deployment/dravel, field: spec.template.spec.volumes, from: null,
              to: [{name: certs, secret: {secretName: dravel-tls}}]}}
alerts:
  - {id: a1, at: -4m, format: alertmanager, name: KubePodNotReady, severity: warning,
     service: dravel}
"""
SPECIFIC = (
    "    - {namespace: kep, object: pod/dravel-6f8d7c-q2x9z, type: Warning, reason: FailedMount,"
    ' message: \'MountVolume.SetUp failed for volume "certs" : secret "dravel-tls" not found\','
    " at: -13m, count: 7}"
)
GENERIC = (
    "    - {namespace: kep, object: pod/dravel-6f8d7c-q2x9z, type: Warning, reason: FailedMount,"
    " message: 'Unable to attach or mount volumes: unmounted volumes=[certs], unattached volumes"
    "=[certs kube-api-access-x2]: timed out waiting for the condition', at: -1m, count: 5}"
)


@pytest.mark.parametrize("order", [(SPECIFIC, GENERIC), (GENERIC, SPECIFIC)])
def test_the_missing_secret_is_read_whichever_event_came_last(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(WORLD.replace("{events}", "\n".join(order)))
    scenario = load_scenario(path).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    scope = make_scope(ctx, ["dravel"])
    (mount,) = events(ctx, scope, {})
    assert mount.attrs["cause_kind"] == "secret_missing"
    assert mount.attrs["secret"] == "dravel-tls"
    findings = [mount, *pods(ctx, scope, {}), *k8s_revisions(ctx, scope, {})]
    books = default_playbooks()
    topo = ctx.topology
    done = conclude(rank(list(books), findings, ["dravel"], topo), books, findings, topo)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == (
        "crashloop_bad_config",
        "dravel",
    )
    assert done.actions and done.actions[0].action == "k8s.rollback_deployment"

"""Kubernetes workloads in the security audit, read with the official client from the
sandbox's Kubernetes API server: privileged containers (high), host PID / network namespaces
(medium), containers without limits (medium, fix ``k8s.set_resources`` for a Deployment),
images on ``latest`` or untagged (low). Replicas are one finding; a workload with limits, a
pinned tag and no privileges has none; kube-system is exempt (``k8s_checks.yaml``)."""

from __future__ import annotations

import pytest

from bot.investigate.sources_live import LiveEvidence
from bot.posture.checks import K8S_TITLE, more_checks
from bot.posture.finding import PostureFinding
from bot.posture.k8s import image_tag, k8s_audit, k8s_rules
from bot.posture.security import render, security_audit
from integrations.kubernetes import KubernetesApi
from sandbox.investigate.context import context_for_world
from sandbox.world import SandboxWorld


@pytest.fixture(scope="module")
def k8s(world: SandboxWorld) -> KubernetesApi:
    evidence = context_for_world(world).evidence
    assert isinstance(evidence, LiveEvidence)  # a world's investigations read it live
    api = evidence.k8s_api
    assert api is not None
    return api


@pytest.fixture(scope="module")
def found(k8s: KubernetesApi) -> list[PostureFinding]:
    return k8s_audit(k8s)


def _by(found: list[PostureFinding]) -> dict[tuple[str, str], PostureFinding]:
    return {(f.resource, f.check): f for f in found}


def test_privileged_container_is_high_with_every_replica_as_evidence(
    found: list[PostureFinding],
) -> None:
    f = _by(found)[("k8s:prod/web/app", "k8s_privileged")]
    assert f.severity == "high" and found[0] is f  # most severe first
    assert f.evidence == "pods: web-5d8c-aaaaa, web-5d8c-bbbbb"
    assert f.fix_action is None


def test_host_namespaces_are_medium(found: list[PostureFinding]) -> None:
    by = _by(found)
    assert by[("k8s:prod/node-debugger", "k8s_host_pid")].severity == "medium"
    assert by[("k8s:prod/node-debugger", "k8s_host_network")].severity == "medium"


def test_missing_limits_name_set_resources_on_the_deployment(found: list[PostureFinding]) -> None:
    f = _by(found)[("k8s:prod/web/app", "k8s_no_limits")]
    assert f.severity == "medium" and f.fix_action == "k8s.set_resources"
    assert f.fix_params == {"namespace": "prod", "name": "web", "container": "app"}


def test_latest_and_untagged_images(found: list[PostureFinding]) -> None:
    by = _by(found)
    assert "acme/web:latest" in by[("k8s:prod/web/app", "k8s_latest_tag")].summary
    assert "busybox with no tag" in by[("k8s:prod/node-debugger/shell", "k8s_no_tag")].summary


def test_a_clean_workload_and_exempt_namespace_have_no_findings(
    found: list[PostureFinding],
) -> None:
    """Negative: api has limits, a pinned tag on a registry with a port, no privileges;
    kube-proxy in kube-system is privileged on the host network but exempt."""
    assert not [f for f in found if "/api" in f.resource or "kube-" in f.resource]
    assert len(found) == 6


def test_exemptions_and_severities_are_data(k8s: KubernetesApi) -> None:
    rules = k8s_rules().model_copy(update={"exempt_namespaces": []})
    system = [f for f in k8s_audit(k8s, rules) if f.resource.startswith("k8s:kube-system/")]
    assert {f.check for f in system} == {"k8s_privileged", "k8s_host_network", "k8s_latest_tag",
                                         "k8s_no_limits"}  # fmt: skip


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("busybox", None),
        ("acme/web:latest", "latest"),
        ("registry.example.com:5000/acme/api", None),
        ("registry.example.com:5000/acme/api:v1", "v1"),
        ("acme/web@sha256:abc", "sha256:abc"),
    ],
)
def test_image_tag(image: str, tag: str | None) -> None:
    assert image_tag(image) == tag


def test_workloads_are_a_section_of_the_security_audit(
    world: SandboxWorld, k8s: KubernetesApi
) -> None:
    ctx = context_for_world(world)
    audit = security_audit(ctx, more=more_checks(None, k8s, world.scenario.now))
    [section] = [found for title, found in audit.sections if title == K8S_TITLE]
    assert len(section) == 6
    assert "deployment prod/web container app runs privileged" in render(audit)

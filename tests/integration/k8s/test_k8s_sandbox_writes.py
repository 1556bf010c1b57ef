"""Remediation writes through the adapter change the sandbox's live state, as a cluster would."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from integrations.kubernetes import K8sInvalid, K8sNotFound, K8sUnavailable, KubernetesApi
from tests.integration.k8s.conftest import k8s_scenario_files, load

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _files_with(predicate: Any, first_only: bool = False) -> list[Any]:
    """Scenarios the test applies to; server mechanics need only the first one."""
    files = [p for p in k8s_scenario_files() if predicate(load(p)["kubernetes"])]
    files = files[:1] if first_only else files
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no example scenario fits"))]
    return [pytest.param(p, id=p.stem) for p in files]


def _history(section: dict) -> list[dict]:
    return [d for d in section.get("deployments") or [] if len(d["revisions"]) >= 2]


def _with_pods(section: dict) -> list[dict]:
    owners = {p.get("owner") for p in section.get("pods") or []}
    return [d for d in section.get("deployments") or [] if d["name"] in owners]


@pytest.mark.parametrize("path", _files_with(_history))
def test_rollback_restores_previous_revision(make_world: Any, path: Path) -> None:
    world = make_world(path)
    for dep in _history(world.section):
        ns, name = dep["namespace"], dep["name"]
        previous, live = dep["revisions"][-2], dep["revisions"][-1]
        result = world.k8s.rollback_deployment(ns, name)
        assert result.changed and result.from_revision == live["revision"]
        after = world.k8s.get_deployment(ns, name)
        assert after.revision == max(r["revision"] for r in dep["revisions"]) + 1
        assert after.image == previous["image"]
        assert after.env == {k: str(v) for k, v in (previous.get("env") or {}).items()}
        pods = world.k8s.list_pods(ns, f"app={name}")
        assert len(pods) == dep["replicas"]
        assert {c.image for p in pods for c in p.containers} == {previous["image"]}
        assert all(p.ready for p in pods)
        assert after.ready_replicas == dep["replicas"]
        # the revived ReplicaSet now carries the new revision; the history lost the old number
        history = {r.revision: r.image for r in world.k8s.list_revisions(ns, name)}
        assert history[after.revision] == previous["image"]
        assert previous["revision"] not in history
        # rolling back again returns to the bad revision's template
        again = world.k8s.rollback_deployment(ns, name)
        assert world.k8s.get_deployment(ns, name).image == live["image"]
        assert again.to_revision == after.revision + 1


@pytest.mark.parametrize("path", _files_with(_history))
def test_rollback_to_a_named_revision_and_unknown_revision(make_world: Any, path: Path) -> None:
    world = make_world(path)
    dep = _history(world.section)[0]
    ns, name = dep["namespace"], dep["name"]
    first = dep["revisions"][0]
    with pytest.raises(K8sNotFound):
        world.k8s.rollback_deployment(ns, name, to_revision=first["revision"] + 100_000)
    same = world.k8s.rollback_deployment(ns, name, to_revision=dep["revisions"][-1]["revision"])
    assert not same.changed
    world.k8s.rollback_deployment(ns, name, to_revision=first["revision"])
    assert world.k8s.get_deployment(ns, name).image == first["image"]


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("deployments")))
def test_scale_changes_replicas_and_pods(make_world: Any, path: Path) -> None:
    world = make_world(path)
    dep = world.section["deployments"][0]
    ns, name = dep["namespace"], dep["name"]
    result = world.k8s.scale_deployment(ns, name, dep["replicas"] + 2)
    assert (result.from_revision, result.to_revision) == (dep["replicas"], dep["replicas"] + 2)
    assert world.k8s.get_deployment(ns, name).replicas == dep["replicas"] + 2
    apps = client.AppsV1Api(world.client)
    assert apps.read_namespaced_deployment_scale(name, ns).spec.replicas == dep["replicas"] + 2
    world.k8s.scale_deployment(ns, name, 0)
    assert world.k8s.list_pods(ns, f"app={name}") == []
    assert world.k8s.get_deployment(ns, name).replicas == 0
    with pytest.raises(K8sInvalid):
        world.k8s.scale_deployment(ns, name, -1)


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("deployments")))
def test_restart_stamps_template_and_bumps_revision(make_world: Any, path: Path) -> None:
    world = make_world(path)
    dep = world.section["deployments"][0]
    ns, name = dep["namespace"], dep["name"]
    before_pods = {p.name for p in world.k8s.list_pods(ns, f"app={name}")}
    result = world.k8s.restart_deployment(ns, name, at=world.now)
    assert result.to_revision == dep["revisions"][-1]["revision"] + 1
    raw = client.AppsV1Api(world.client).read_namespaced_deployment(name, ns)
    stamp = raw.spec.template.metadata.annotations[RESTARTED_AT]
    assert stamp == world.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    after = world.k8s.list_pods(ns, f"app={name}")
    assert before_pods.isdisjoint(p.name for p in after)
    assert {c.image for p in after for c in p.containers} == {dep["revisions"][-1]["image"]}
    assert all(c.restarts <= 1 for p in after for c in p.containers)


@pytest.mark.parametrize("path", _files_with(_with_pods))
def test_set_resources_changes_limits(make_world: Any, path: Path) -> None:
    world = make_world(path)
    dep = _with_pods(world.section)[0]
    ns, name = dep["namespace"], dep["name"]
    container = next(p for p in world.section["pods"] if p["owner"] == name)["containers"][0]
    updated = world.k8s.set_resources(
        ns, name, container["name"], limits={"memory": "2Gi"}, requests={"cpu": "250m"}
    )
    assert updated.revision == dep["revisions"][-1]["revision"] + 1
    live = max(world.k8s.list_revisions(ns, name), key=lambda r: r.revision)
    pods = [p for p in world.k8s.list_pods(ns, f"app={name}") if p.owner == live.replicaset]
    assert pods
    for pod in pods:
        got = next(c for c in pod.containers if c.name == container["name"])
        assert got.limits["memory"] == "2Gi"
        assert got.requests == {"cpu": "250m"}
        old_cpu = ((container.get("resources") or {}).get("limits") or {}).get("cpu")
        if old_cpu is not None:
            assert got.limits["cpu"] == str(old_cpu)  # strategic merge keeps the other limit
    with pytest.raises(K8sNotFound):
        world.k8s.set_resources(ns, name, "no-such-container", limits={"memory": "1Gi"})
    with pytest.raises(K8sInvalid):
        world.k8s.set_resources(ns, name, container["name"], limits={"memory": "lots"})


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("pods")))
def test_delete_pod_removes_it(make_world: Any, path: Path) -> None:
    world = make_world(path)
    raw = world.section["pods"][0]
    ns = raw["namespace"]
    before = world.k8s.list_pods(ns)
    world.k8s.delete_pod(ns, raw["name"])
    after = world.k8s.list_pods(ns)
    assert raw["name"] not in {p.name for p in after}
    with pytest.raises(K8sNotFound):
        world.k8s.pod_status(ns, raw["name"])
    with pytest.raises(K8sNotFound):
        world.k8s.delete_pod(ns, raw["name"])
    if any(d["name"] == raw.get("owner") for d in world.section.get("deployments") or []):
        assert len(after) == len(before)  # the ReplicaSet replaced it


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("deployments"), True))
def test_unknown_objects_are_not_found(make_world: Any, path: Path) -> None:
    world = make_world(path)
    ns = world.section["deployments"][0]["namespace"]
    for call in (
        lambda: world.k8s.get_deployment(ns, "no-such-deployment"),
        lambda: world.k8s.rollback_deployment(ns, "no-such-deployment"),
        lambda: world.k8s.scale_deployment(ns, "no-such-deployment", 1),
        lambda: world.k8s.restart_deployment(ns, "no-such-deployment"),
        lambda: world.k8s.list_revisions(ns, "no-such-deployment"),
        lambda: world.k8s.pod_status(ns, "no-such-pod"),
        lambda: world.k8s.pod_logs(ns, "no-such-pod"),
    ):
        with pytest.raises(K8sNotFound):
            call()


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("deployments"), True))
def test_missing_or_wrong_token_is_401(make_world: Any, path: Path) -> None:
    world = make_world(path)
    assert httpx.get(world.sandbox.url + "/api/v1/nodes").status_code == 401
    wrong = httpx.get(world.sandbox.url + "/api", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["reason"] == "Unauthorized"
    configuration = client.Configuration()
    configuration.host = world.sandbox.url
    with client.ApiClient(configuration) as anonymous:
        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(anonymous).list_namespaced_pod("default")
        assert caught.value.status == 401
        with pytest.raises(K8sUnavailable) as err:
            KubernetesApi(anonymous).list_nodes()
        assert err.value.status == 401


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("deployments"), True))
def test_patch_flavours_and_bad_patches(make_world: Any, path: Path) -> None:
    world = make_world(path)
    dep = world.section["deployments"][0]
    ns, name = dep["namespace"], dep["name"]
    apps = client.AppsV1Api(world.client)
    merged = apps.patch_namespaced_deployment(
        name,
        ns,
        {"metadata": {"labels": {"team": "x"}}},
        _content_type="application/merge-patch+json",
    )
    assert merged.metadata.labels["team"] == "x"
    assert merged.metadata.annotations["deployment.kubernetes.io/revision"] == str(
        dep["revisions"][-1]["revision"]
    )
    bad = [
        [{"op": "remove", "path": "/spec/template/spec/containers/0/image"}],
        [{"op": "replace", "path": "/spec/replicas", "value": -3}],
        [{"op": "replace", "path": "/spec/no/such/path", "value": 1}],
        {"spec": {"selector": {"matchLabels": {"app": "other"}}}},
        {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
    ]
    for body in bad:
        with pytest.raises(ApiException) as caught:
            apps.patch_namespaced_deployment(name, ns, body)
        assert caught.value.status == 422, body
    assert world.k8s.get_deployment(ns, name).image == dep["revisions"][-1]["image"]


def test_starts_fast_and_stops(make_world: Any) -> None:
    import time
    from datetime import UTC, datetime

    from sandbox.k8s import start_k8s_sandbox

    began = time.perf_counter()
    sandbox = start_k8s_sandbox({}, datetime(2025, 1, 1, tzinfo=UTC))
    assert time.perf_counter() - began < 1.0
    namespaces = httpx.get(
        sandbox.url + "/api/v1/namespaces", headers={"Authorization": f"Bearer {sandbox.token}"}
    ).json()
    assert {"default", "kube-system"} <= {n["metadata"]["name"] for n in namespaces["items"]}
    kubeconfig = sandbox.kubeconfig_path
    sandbox.stop()
    assert not kubeconfig.exists()
    with pytest.raises(httpx.HTTPError):
        httpx.get(sandbox.url + "/api", timeout=timedelta(seconds=1).total_seconds())


@pytest.mark.parametrize("path", _files_with(_history, True))
def test_after_a_restart_undo_finds_the_last_different_release(make_world: Any, path: Path) -> None:
    world = make_world(path)
    dep = _history(world.section)[0]
    ns, name = dep["namespace"], dep["name"]
    previous, live = dep["revisions"][-2], dep["revisions"][-1]
    assert world.k8s.last_different_revision(ns, name).image == previous["image"]
    world.k8s.restart_deployment(ns, name, at=world.now)
    target = world.k8s.last_different_revision(ns, name)
    assert target is not None and target.image == previous["image"]
    plain_undo = world.k8s.rollback_deployment(ns, name)  # kubectl: back to the pre-restart one
    assert world.k8s.get_deployment(ns, name).image == live["image"]
    assert plain_undo.changed
    fixed = world.k8s.rollback_deployment(ns, name, to_revision=target.revision)
    assert fixed.changed and world.k8s.get_deployment(ns, name).image == previous["image"]


@pytest.mark.parametrize("path", _files_with(lambda s: s.get("deployments"), True))
def test_restart_twice_at_same_time_changes_nothing_the_second_time(
    make_world: Any, path: Path
) -> None:
    world = make_world(path)
    dep = world.section["deployments"][0]
    ns, name = dep["namespace"], dep["name"]
    first = world.k8s.restart_deployment(ns, name, at=world.now)
    second = world.k8s.restart_deployment(ns, name, at=world.now)
    assert first.changed and not second.changed
    assert second.to_revision == first.to_revision

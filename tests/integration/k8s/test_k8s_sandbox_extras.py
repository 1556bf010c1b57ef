"""Sandbox features no example scenario needs yet: HPAs, discovery, selectors, odd pods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from integrations.kubernetes import K8sInvalid, KubernetesApi, client_from_kubeconfig
from sandbox.k8s import K8sSandbox, start_k8s_sandbox

NOW = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)
SECTION = {
    "deployments": [
        {
            "namespace": "web",
            "name": "search",
            "replicas": 2,
            "revisions": [{"revision": 1, "image": "acme/search:1", "at": "-1d"}],
        }
    ],
    "pods": [
        {
            "namespace": "web",
            "name": "search-7c9d-aaaaa",
            "owner": "search",
            "node": "n1",
            "containers": [
                {"name": "api", "ready": True, "resources": {"requests": {"cpu": "250m"}}},
                {"name": "proxy", "ready": True},
            ],
        },
        {
            "namespace": "web",
            "name": "puller",
            "phase": "Pending",
            "node": "n2",
            "containers": [
                {
                    "name": "c",
                    "ready": False,
                    "image": "acme/typo:lastest",
                    "state": {"waiting": {"reason": "ImagePullBackOff", "message": "not found"}},
                }
            ],
        },
    ],
    "nodes": [
        {"name": "n1", "conditions": {"MemoryPressure": False}},
        {"name": "n2", "conditions": {"Ready": False, "DiskPressure": True}},
    ],
    "hpas": [
        {
            "namespace": "web",
            "name": "search",
            "target": "search",
            "min": 2,
            "max": 6,
            "current": 6,
            "cpu_target": 70,
        }
    ],
}
LOGS = [
    {
        "source": "k8s:web/search-7c9d-aaaaa/api",
        "lines": [{"at": "-1m", "level": "INFO", "text": "api up"}],
    },
    {
        "source": "k8s:web/search-7c9d-aaaaa/proxy",
        "lines": [{"at": "-1m", "level": "INFO", "text": "proxy up"}],
    },
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[K8sSandbox, KubernetesApi]]:
    with start_k8s_sandbox(SECTION, NOW, LOGS) as running:
        api_client = client_from_kubeconfig(running.kubeconfig_path)
        yield running, KubernetesApi(api_client)
        api_client.close()


def test_hpas_list_and_read(sandbox: Any) -> None:
    running, k8s = sandbox
    (hpa,) = k8s.list_hpas("web")
    assert (hpa.target, hpa.min_replicas, hpa.max_replicas, hpa.current_replicas) == (
        "search",
        2,
        6,
        6,
    )
    assert hpa.cpu_target == 70 and hpa.at_max
    assert k8s.list_hpas() == [hpa]
    assert k8s.list_hpas("other") == []
    autoscaling = client.AutoscalingV1Api(k8s.api_client)
    assert (
        autoscaling.read_namespaced_horizontal_pod_autoscaler("search", "web").spec.max_replicas
        == 6
    )


def test_discovery_and_version(sandbox: Any) -> None:
    running, k8s = sandbox
    headers = {"Authorization": f"Bearer {running.token}"}
    groups = httpx.get(running.url + "/apis", headers=headers).json()
    assert {g["name"] for g in groups["groups"]} == {"apps", "autoscaling"}
    apps = httpx.get(running.url + "/apis/apps/v1", headers=headers).json()
    assert "deployments" in {r["name"] for r in apps["resources"]}
    assert httpx.get(running.url + "/apis/batch/v1", headers=headers).status_code == 404
    assert client.VersionApi(k8s.api_client).get_code().major == "1"
    assert client.CoreApi(k8s.api_client).get_api_versions().versions == ["v1"]


def test_multi_container_pod_logs_need_a_container(sandbox: Any) -> None:
    _, k8s = sandbox
    with pytest.raises(K8sInvalid, match="choose one of"):
        k8s.pod_logs("web", "search-7c9d-aaaaa")
    assert k8s.pod_logs("web", "search-7c9d-aaaaa", "proxy")[0].endswith("INFO proxy up")
    with pytest.raises(K8sInvalid, match="not valid"):
        k8s.pod_logs("web", "search-7c9d-aaaaa", "nope")
    pod = k8s.pod_status("web", "search-7c9d-aaaaa")
    assert [c.name for c in pod.containers] == ["api", "proxy"]
    assert pod.containers[0].requests == {"cpu": "250m"}


def test_image_pull_backoff_pod(sandbox: Any) -> None:
    _, k8s = sandbox
    pod = k8s.pod_status("web", "puller")
    assert pod.phase == "Pending" and not pod.ready
    assert pod.containers[0].waiting_reason == "ImagePullBackOff"
    assert pod.containers[0].image == "acme/typo:lastest"
    raw = client.CoreV1Api(k8s.api_client).read_namespaced_pod("puller", "web")
    assert raw.status.container_statuses[0].image_id == ""
    with pytest.raises(K8sInvalid, match="waiting to start"):
        k8s.pod_logs("web", "puller", "c")


def test_field_selectors_and_all_namespaces(sandbox: Any) -> None:
    _, k8s = sandbox
    core = client.CoreV1Api(k8s.api_client)
    on_n2 = core.list_namespaced_pod("web", field_selector="spec.nodeName=n2").items
    assert [p.metadata.name for p in on_n2] == ["puller"]
    pending = k8s.list_pods("web", field_selector="status.phase!=Running")
    assert [p.name for p in pending] == ["puller"]
    everywhere = core.list_pod_for_all_namespaces().items
    assert {p.metadata.name for p in everywhere} >= {"puller", "search-7c9d-aaaaa"}
    with pytest.raises(ApiException) as caught:
        core.list_namespaced_pod("web", field_selector="spec.bogus=1")
    assert caught.value.status == 400
    nodes = {n.name: n for n in k8s.list_nodes()}
    assert nodes["n1"].ready and not nodes["n2"].ready
    assert nodes["n2"].conditions["DiskPressure"] is True


def test_synthesized_pods_fill_the_deployment(sandbox: Any) -> None:
    _, k8s = sandbox
    pods = k8s.list_pods("web", "app=search")
    assert len(pods) == 2  # one from the scenario, one made up to reach replicas
    assert all(p.ready for p in pods)
    dep = k8s.get_deployment("web", "search")
    assert dep.ready_replicas == 2 and dep.conditions["Available"]


def test_unsupported_patch_type_is_415(sandbox: Any) -> None:
    running, _ = sandbox
    response = httpx.patch(
        running.url + "/apis/apps/v1/namespaces/web/deployments/search",
        headers={
            "Authorization": f"Bearer {running.token}",
            "Content-Type": "application/apply-patch+yaml",
        },
        content=b"spec: {}",
    )
    assert response.status_code == 415 and response.json()["kind"] == "Status"


def test_log_since_time_and_limit_bytes(sandbox: Any) -> None:
    running, _ = sandbox
    url = running.url + "/api/v1/namespaces/web/pods/search-7c9d-aaaaa/log"
    headers = {"Authorization": f"Bearer {running.token}"}
    since = (NOW - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    empty = httpx.get(url, params={"container": "api", "sinceTime": since}, headers=headers)
    assert empty.status_code == 200 and empty.text == ""
    cut = httpx.get(url, params={"container": "api", "limitBytes": "10"}, headers=headers)
    assert len(cut.content) == 10
    bad = httpx.get(url, params={"container": "api", "tailLines": "x"}, headers=headers)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("section", "logs", "message"),
    [
        ({"deployments": [{"name": "x", "replicas": 1}]}, None, r"deployments\[0\]: 'revisions'"),
        ({"deployments": [{"name": "x", "revisions": [{"image": "i"}]}]}, None, "'revision'"),
        ({"pods": [{"name": "p", "containers": [{"ready": True}]}]}, None, r"containers\[0\]"),
        ({"events": [{"reason": "x"}]}, None, "'object'"),
        ({"nodes": "n1"}, None, "expected a list"),
        ({}, [{"source": "k8s:a/b/c", "lines": [{"at": "yesterday", "text": "x"}]}], "yesterday"),
    ],
)
def test_malformed_sections_are_user_errors(section: Any, logs: Any, message: str) -> None:
    from bot.errors import UserError

    with pytest.raises(UserError, match=message):
        start_k8s_sandbox(section, NOW, logs)


def test_moving_the_clock_reveals_later_lines() -> None:
    logs = [
        {
            "source": "k8s:web/solo/c",
            "lines": [{"at": "-1m", "text": "before"}, {"at": "+5m", "text": "after"}],
        }
    ]
    section = {
        "pods": [{"namespace": "web", "name": "solo", "containers": [{"name": "c", "ready": True}]}]
    }
    with start_k8s_sandbox(section, NOW, logs) as running:
        api_client = client_from_kubeconfig(running.kubeconfig_path)
        k8s = KubernetesApi(api_client)
        assert [line.split(" ", 2)[2] for line in k8s.pod_logs("web", "solo")] == ["before"]
        running.set_now(NOW + timedelta(minutes=10))
        assert [line.split(" ", 2)[2] for line in k8s.pod_logs("web", "solo")] == [
            "before",
            "after",
        ]
        api_client.close()


@pytest.mark.parametrize(("age", "progressing"), [("-30m", False), ("-2m", True)])
def test_stuck_rollout_exceeds_progress_deadline(age: str, progressing: bool) -> None:
    section = {
        "deployments": [
            {
                "namespace": "web",
                "name": "cart",
                "replicas": 1,
                "revisions": [
                    {"revision": 1, "image": "acme/cart:1", "at": "-3d"},
                    {"revision": 2, "image": "acme/cart:2", "at": age},
                ],
            }
        ],
        "pods": [
            {
                "namespace": "web",
                "name": "cart-bbbbb-aaaaa",
                "owner": "cart",
                "containers": [
                    {
                        "name": "app",
                        "ready": False,
                        "restart_count": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "last_state": {
                            "terminated": {"reason": "Error", "exit_code": 2, "at": "-1m"}
                        },
                    }
                ],
            },
            {
                "namespace": "web",
                "name": "cart-ccccc-aaaaa",
                "owner": "cart",
                "containers": [{"name": "app", "ready": True}],
            },
        ],
        "events": [
            {
                "namespace": "web",
                "object": "deployment/cart",
                "type": "Normal",
                "reason": "ScalingReplicaSet",
                "message": "Scaled up replica set cart-bbbbb to 1",
                "at": age,
            },
        ],
    }
    with start_k8s_sandbox(section, NOW) as running:
        api_client = client_from_kubeconfig(running.kubeconfig_path)
        dep = KubernetesApi(api_client).get_deployment("web", "cart")
        assert dep.image == "acme/cart:2" and dep.updated_replicas == 1
        assert dep.conditions["Progressing"] is progressing
        raw = client.AppsV1Api(api_client).read_namespaced_deployment("cart", "web")
        reasons = {c.type: c.reason for c in raw.status.conditions}
        assert (reasons["Progressing"] == "ProgressDeadlineExceeded") is (not progressing)
        api_client.close()

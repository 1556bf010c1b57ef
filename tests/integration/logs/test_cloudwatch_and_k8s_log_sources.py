"""CloudWatch Logs (boto3 against moto) and pod logs (the official client against the sandbox),
both through the one LogSource interface and the router."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from integrations.kubernetes import KubernetesApi, client_from_kubeconfig
from integrations.logs import (
    BadLogSource,
    CloudWatchLogs,
    KubernetesLogs,
    LogQuery,
    LogRouter,
    LogSource,
    LogSourceNotFound,
)
from sandbox.k8s import start_k8s_sandbox

# moto, like CloudWatch, rejects events over 14 days old: anchor on the wall clock, to the minute
NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
GROUP = "/aws/lambda/orders-sync"


@pytest.fixture(scope="module")
def logs_client() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "logs",
        region_name="us-east-1",
        endpoint_url=f"http://{host}:{port}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="2025/06/01/[$LATEST]abc")
    client.create_log_stream(logGroupName=GROUP, logStreamName="2025/06/01/[$LATEST]def")
    messages = [
        (-50, "abc", "START RequestId: 1 Version: $LATEST"),
        (-40, "abc", "[ERROR] Task timed out after 3.00 seconds"),
        (-35, "def", "[WARNING] upstream slow: 2874 ms"),
        (-30, "abc", "[ERROR] Task timed out after 3.00 seconds"),
        (-20, "def", 'level=info msg="retry ok" attempt=2'),
        (-10, "abc", "REPORT RequestId: 1 Duration: 3000.00 ms"),
    ]
    for minutes, stream, message in messages:
        client.put_log_events(
            logGroupName=GROUP,
            logStreamName=f"2025/06/01/[$LATEST]{stream}",
            logEvents=[
                {
                    "timestamp": int((NOW + timedelta(minutes=minutes)).timestamp() * 1000),
                    "message": message,
                }
            ],
        )
    yield client
    server.stop()


def test_cloudwatch_backend_reads_group_in_time_order(logs_client: Any) -> None:
    source: LogSource = CloudWatchLogs(logs_client)
    lines = source.fetch(LogQuery(f"cloudwatch:{GROUP}", start=NOW - timedelta(hours=1), end=NOW))
    assert [line.timestamp for line in lines] == [
        NOW + timedelta(minutes=m) for m in (-50, -40, -35, -30, -20, -10)
    ]
    assert [line.level for line in lines] == [
        "UNKNOWN",
        "ERROR",
        "WARN",
        "ERROR",
        "INFO",
        "UNKNOWN",
    ]
    assert lines[1].text == "Task timed out after 3.00 seconds"
    assert {line.source for line in lines} == {f"cloudwatch:{GROUP}"}


def test_cloudwatch_filters_in_our_code(logs_client: Any) -> None:
    source = CloudWatchLogs(logs_client)
    base = LogQuery(f"cloudwatch:{GROUP}", start=NOW - timedelta(hours=1), end=NOW)
    hits = source.fetch(replace(base, contains="timed out"))
    assert len(hits) == 2 and all("timed out" in line.text for line in hits)
    quoted = source.fetch(replace(base, contains='msg="retry ok"'))
    assert len(quoted) == 1
    folded = source.fetch(replace(base, contains="TASK", ignore_case=True))
    assert len(folded) == 2
    newest = source.fetch(replace(base, limit=2))
    assert [line.timestamp for line in newest] == [
        NOW - timedelta(minutes=20),
        NOW - timedelta(minutes=10),
    ]
    window = source.fetch(
        LogQuery(
            f"cloudwatch:{GROUP}",
            start=NOW - timedelta(minutes=40),
            end=NOW - timedelta(minutes=30),
        )
    )
    assert len(window) == 3


def test_cloudwatch_pages_through_results(logs_client: Any) -> None:
    group = "/ecs/paged"
    logs_client.create_log_group(logGroupName=group)
    logs_client.create_log_stream(logGroupName=group, logStreamName="s")
    start = NOW - timedelta(hours=3)
    events = [
        {
            "timestamp": int((start + timedelta(seconds=i)).timestamp() * 1000),
            "message": f"line {i}",
        }
        for i in range(12_000)
    ]
    for chunk in range(0, len(events), 5000):
        logs_client.put_log_events(
            logGroupName=group, logStreamName="s", logEvents=events[chunk : chunk + 5000]
        )
    lines = CloudWatchLogs(logs_client).fetch(LogQuery(f"cloudwatch:{group}", limit=20_000))
    assert len(lines) == 12_000  # more than one filter_log_events page
    assert lines[-1].text == "line 11999"


def test_cloudwatch_unknown_group_and_bad_source(logs_client: Any) -> None:
    source = CloudWatchLogs(logs_client)
    with pytest.raises(LogSourceNotFound):
        source.fetch(LogQuery("cloudwatch:/no/such/group"))
    with pytest.raises(BadLogSource):
        source.fetch(LogQuery("cloudwatch:"))


SECTION = {
    "deployments": [
        {
            "namespace": "shop",
            "name": "api",
            "replicas": 1,
            "revisions": [{"revision": 3, "image": "acme/api:v3", "at": "-2h"}],
        }
    ],
    "pods": [
        {
            "namespace": "shop",
            "name": "api-abc12-xyz9q",
            "owner": "api",
            "phase": "Running",
            "containers": [
                {
                    "name": "app",
                    "ready": True,
                    "restart_count": 1,
                    "last_state": {
                        "terminated": {"reason": "OOMKilled", "exit_code": 137, "at": "-10m"}
                    },
                }
            ],
        },
        {
            "namespace": "shop",
            "name": "worker-1",
            "phase": "Running",
            "containers": [
                {"name": "w", "ready": False, "state": {"waiting": {"reason": "ImagePullBackOff"}}}
            ],
        },
    ],
}
POD_LOGS = [
    {
        "source": "k8s:shop/api-abc12-xyz9q/app",
        "lines": [
            {"at": "-30m", "level": "INFO", "text": "heap 200MB", "repeat": 4, "every": "5m"},
            {"at": "-11m", "level": "ERROR", "text": "java.lang.OutOfMemoryError: Java heap space"},
            {"at": "-9m", "level": "INFO", "text": "started"},
            {"at": "-1m", "level": "WARN", "text": "heap 150MB"},
        ],
    }
]


@pytest.fixture(scope="module")
def pod_logs() -> Iterator[KubernetesLogs]:
    with start_k8s_sandbox(SECTION, NOW, POD_LOGS) as sandbox:
        api_client = client_from_kubeconfig(sandbox.kubeconfig_path)
        yield KubernetesLogs(KubernetesApi(api_client))
        api_client.close()


def test_pod_logs_join_previous_and_current_instance(pod_logs: KubernetesLogs) -> None:
    lines = pod_logs.fetch(LogQuery("k8s:shop/api-abc12-xyz9q/app", start=NOW - timedelta(hours=1)))
    assert [line.text for line in lines] == ["heap 200MB"] * 4 + [
        "java.lang.OutOfMemoryError: Java heap space",
        "started",
        "heap 150MB",
    ]
    assert lines[4].level == "ERROR" and lines[4].timestamp == NOW - timedelta(minutes=11)
    recent = pod_logs.fetch(
        LogQuery("k8s:shop/api-abc12-xyz9q/app", start=NOW - timedelta(minutes=10))
    )
    assert [line.text for line in recent] == ["started", "heap 150MB"]
    oom = pod_logs.fetch(LogQuery("k8s:shop/api-abc12-xyz9q", contains="OutOfMemory"))
    assert len(oom) == 1
    assert len(pod_logs.fetch(LogQuery("k8s:shop/api-abc12-xyz9q/app", limit=3))) == 3


def test_pod_logs_waiting_container_and_missing_pod(pod_logs: KubernetesLogs) -> None:
    assert pod_logs.fetch(LogQuery("k8s:shop/worker-1/w")) == []
    with pytest.raises(LogSourceNotFound):
        pod_logs.fetch(LogQuery("k8s:shop/no-such-pod/app"))
    with pytest.raises(BadLogSource):
        pod_logs.fetch(LogQuery("k8s:just-a-name"))


def test_router_picks_backend_by_prefix(logs_client: Any, pod_logs: KubernetesLogs) -> None:
    router = LogRouter(cloudwatch=CloudWatchLogs(logs_client), k8s=pod_logs)
    cloud = router.fetch(LogQuery(f"cloudwatch:{GROUP}", start=NOW - timedelta(hours=1), end=NOW))
    pods = router.fetch(LogQuery("k8s:shop/api-abc12-xyz9q/app", start=NOW - timedelta(hours=1)))
    assert cloud and all(line.source.startswith("cloudwatch:") for line in cloud)
    assert pods and all(line.source.startswith("k8s:") for line in pods)
    with pytest.raises(BadLogSource, match="no file log backend"):
        router.fetch(LogQuery("file:web-1:/var/log/syslog"))
    with pytest.raises(BadLogSource, match="unknown log source"):
        router.fetch(LogQuery("syslog:web-1"))
    with pytest.raises(BadLogSource):
        LogQuery("k8s:a/b/c", limit=0)

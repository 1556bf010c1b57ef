"""Every example scenario's ``kubernetes:`` section comes back through the official client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def offset(now: datetime, value: Any) -> datetime:
    """Independent of the product's parser on purpose."""
    if isinstance(value, int | float):
        return now + timedelta(seconds=value)
    sign, number, unit = re.fullmatch(r"([+-]?)(\d+)([smhd]?)", str(value)).groups()  # type: ignore[union-attr]
    seconds = int(number) * _UNIT[unit or "s"]
    return now + timedelta(seconds=-seconds if sign == "-" else seconds)


def expected_lines(world: Any, source: str) -> list[tuple[datetime, str, str]]:
    out = []
    for entry in next(s for s in world.scenario["logs"] if s["source"] == source)["lines"]:
        start = offset(world.now, entry["at"])
        step = offset(datetime(2000, 1, 1, tzinfo=UTC), entry.get("every", 0)) - datetime(
            2000, 1, 1, tzinfo=UTC
        )
        for i in range(int(entry.get("repeat", 1))):
            if start + step * i <= world.now:
                out.append((start + step * i, entry["level"].upper(), entry["text"]))
    return sorted(out, key=lambda item: item[0])


def parse_log(lines: list[str]) -> list[tuple[datetime, str, str]]:
    out = []
    for line in lines:
        stamp, level, text = line.split(" ", 2)
        out.append((datetime.fromisoformat(stamp.replace("Z", "+00:00")), level, text))
    return out


def test_pods_come_back_as_described(world: Any) -> None:
    pods = world.section.get("pods") or []
    if not pods:
        pytest.skip("this scenario lists no pods")
    for raw in pods:
        selector = f"app={raw['owner']}" if raw.get("owner") else None
        listed = {p.name: p for p in world.k8s.list_pods(raw["namespace"], selector)}
        assert raw["name"] in listed, f"{raw['name']} not listed by {selector}"
        pod = world.k8s.pod_status(raw["namespace"], raw["name"])
        assert pod.phase == raw.get("phase", "Running")
        assert pod.node == raw.get("node")
        assert pod.labels.get("app") == raw.get("owner")
        for want, got in zip(raw["containers"], pod.containers, strict=True):
            assert got.name == want["name"]
            assert got.ready == want["ready"]
            assert got.restarts == want.get("restart_count", 0)
            waiting = (want.get("state") or {}).get("waiting")
            assert got.waiting_reason == (waiting or {}).get("reason")
            assert got.waiting_message == (waiting or {}).get("message")
            term = (want.get("last_state") or {}).get("terminated")
            if term:
                assert got.last_terminated_reason == term["reason"]
                assert got.last_exit_code == term["exit_code"]
                assert got.last_terminated_at == offset(world.now, term["at"])
            else:
                assert got.last_terminated_reason is None
            limits = (want.get("resources") or {}).get("limits") or {}
            assert got.limits == {k: str(v) for k, v in limits.items()}


def test_pod_images_come_from_a_revision(world: Any) -> None:
    for raw in world.section.get("pods") or []:
        dep = next(
            (d for d in world.section.get("deployments") or [] if d["name"] == raw.get("owner")),
            None,
        )
        if dep is None:
            continue
        images = {r["image"] for r in dep["revisions"]}
        pod = world.k8s.pod_status(raw["namespace"], raw["name"])
        assert {c.image for c in pod.containers} <= images


def test_deployments_and_revisions(world: Any) -> None:
    for raw in world.section.get("deployments") or []:
        live = raw["revisions"][-1]
        dep = world.k8s.get_deployment(raw["namespace"], raw["name"])
        assert dep.replicas == raw["replicas"]
        assert dep.revision == live["revision"]
        assert dep.image == live["image"]
        assert dep.env == {k: str(v) for k, v in (live.get("env") or {}).items()}
        assert dep.current_replicas >= raw["replicas"]
        history = world.k8s.list_revisions(raw["namespace"], raw["name"])
        assert [r.revision for r in history] == [r["revision"] for r in raw["revisions"]]
        assert [r.image for r in history] == [r["image"] for r in raw["revisions"]]
        for got, want in zip(history, raw["revisions"], strict=True):
            assert got.created == offset(world.now, want["at"])
            assert got.env == {k: str(v) for k, v in (want.get("env") or {}).items()}


def test_deployment_readiness_counts_ready_pods(world: Any) -> None:
    for raw in world.section.get("deployments") or []:
        dep = world.k8s.get_deployment(raw["namespace"], raw["name"])
        pods = world.k8s.list_pods(raw["namespace"], f"app={raw['name']}")
        assert dep.ready_replicas == sum(1 for p in pods if p.ready)
        assert dep.current_replicas == len(pods)


def _log_sources(world: Any) -> list[tuple[str, str, str, str]]:
    pods = {(p["namespace"], p["name"]): p for p in world.section.get("pods") or []}
    out = []
    for source in world.scenario.get("logs") or []:
        if source["source"].startswith("k8s:"):
            ns, pod, container = source["source"][4:].split("/")
            if (ns, pod) in pods:
                out.append((source["source"], ns, pod, container))
    return out


def test_pod_logs_current_previous_and_tail(world: Any) -> None:
    sources = _log_sources(world)
    if not sources:
        pytest.skip("no k8s: log source for a listed pod")
    for source, ns, pod, container in sources:
        want = expected_lines(world, source)
        raw = next(p for p in world.section["pods"] if p["name"] == pod)
        spec = next(c for c in raw["containers"] if c["name"] == container)
        term = (spec.get("last_state") or {}).get("terminated")
        current = parse_log(world.k8s.pod_logs(ns, pod, container))
        if term is None:
            assert current == want
            assert world.k8s.pod_logs(ns, pod, container, previous=True) == []
            raw_api = client.CoreV1Api(world.client)
            with pytest.raises(ApiException) as caught:  # the server answers as a kubelet does
                raw_api.read_namespaced_pod_log(pod, ns, container=container, previous=True)
            assert caught.value.status == 400
        else:
            cut = offset(world.now, term["at"])
            previous = parse_log(world.k8s.pod_logs(ns, pod, container, previous=True))
            assert previous == [line for line in want if line[0] < cut]
            if "waiting" in (spec.get("state") or {}):
                assert current == previous  # the kubelet shows the dead instance
            else:
                assert current == [line for line in want if line[0] >= cut]
        tail = parse_log(world.k8s.pod_logs(ns, pod, container, tail=3))
        assert tail == current[-3:]


def test_pod_log_timestamps_and_since(world: Any) -> None:
    sources = _log_sources(world)
    if not sources:
        pytest.skip("no k8s: log source for a listed pod")
    _, ns, pod, container = sources[0]
    stamped = world.k8s.pod_logs(ns, pod, container, timestamps=True)
    plain = world.k8s.pod_logs(ns, pod, container)
    assert [line.split(" ", 1)[1] for line in stamped] == plain
    recent = parse_log(world.k8s.pod_logs(ns, pod, container, since_seconds=300))
    assert all(t >= world.now - timedelta(seconds=300) for t, _, _ in recent)
    assert recent == [x for x in parse_log(plain) if x[0] >= world.now - timedelta(seconds=300)]


def test_events_by_object(world: Any) -> None:
    events = world.section.get("events") or []
    if not events:
        pytest.skip("this scenario lists no events")
    for raw in events:
        kind, name = raw["object"].split("/", 1)
        got = world.k8s.events(raw["namespace"], name=name)
        match = [e for e in got if e.reason == raw["reason"] and e.message == raw["message"]]
        assert match, f"event {raw['reason']} on {raw['object']} missing"
        assert match[0].count == raw.get("count", 1)
        assert match[0].type == raw["type"]
        assert match[0].last_seen == offset(world.now, raw["at"])
        assert all(e.object_name == name for e in got)
        by_kind = world.k8s.events(raw["namespace"], name=name, kind=match[0].object_kind)
        assert by_kind and all(e.object_kind.lower() == kind.lower() for e in by_kind)
        assert world.k8s.events(raw["namespace"], name=name, kind="NoSuchKind") == []


def test_nodes_conditions(world: Any) -> None:
    nodes = world.section.get("nodes") or []
    if not nodes:
        pytest.skip("this scenario lists no nodes")
    got = {n.name: n for n in world.k8s.list_nodes()}
    for raw in nodes:
        node = got[raw["name"]]
        for kind, value in (raw.get("conditions") or {}).items():
            assert node.conditions[kind] is bool(value)
        assert node.ready is bool((raw.get("conditions") or {}).get("Ready", True))

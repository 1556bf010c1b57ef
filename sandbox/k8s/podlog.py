"""Which scenario log lines a pod log request returns, following the kubelet's choice.

The kubelet serves the running instance; for a container waiting to restart, the last
terminated instance; with ``previous``, the last terminated instance or an error. Lines
before the last termination belong to the previous instance, lines after it to the current.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandbox.k8s.errors import ApiError
from sandbox.k8s.loglines import TimedLine


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def select_lines(
    pod: Mapping[str, Any],
    container: str | None,
    logs: Mapping[str, list[TimedLine]],
    *,
    previous: bool = False,
) -> list[TimedLine]:
    """The lines of one container instance of ``pod`` (a v1 Pod dict)."""
    name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
    statuses = {s["name"]: s for s in pod["status"]["containerStatuses"]}
    if container is None:
        if len(statuses) != 1:
            raise ApiError(
                400,
                "BadRequest",
                f"a container name must be specified for pod {name}, "
                f"choose one of: [{' '.join(statuses)}]",
            )
        container = next(iter(statuses))
    status = statuses.get(container)
    if status is None:
        raise ApiError(400, "BadRequest", f"container {container} is not valid for pod {name}")
    lines = logs.get(f"k8s:{namespace}/{name}/{container}", [])
    last = status["lastState"].get("terminated")
    cut = _parse(last["finishedAt"]) if last else None
    state = status["state"]
    if previous:
        if cut is None:
            raise ApiError(
                400,
                "BadRequest",
                f'previous terminated container "{container}" in pod "{name}" not found',
            )
        return [line for line in lines if line.time < cut]
    if "running" in state:
        return [line for line in lines if cut is None or line.time >= cut]
    if "terminated" in state:
        finished = _parse(state["terminated"]["finishedAt"])
        return [line for line in lines if line.time <= finished]
    if cut is not None:
        return [line for line in lines if line.time < cut]
    reason = state.get("waiting", {}).get("reason", "ContainerCreating")
    raise ApiError(
        400, "BadRequest", f'container "{container}" in pod "{name}" is waiting to start: {reason}'
    )

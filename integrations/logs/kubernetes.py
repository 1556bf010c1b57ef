"""Kubernetes pod logs as a log source: ``k8s:<namespace>/<pod>/<container>``.

Reads the current container and, when there is one, the previous (crashed) instance, with the
kubelet's timestamps, so the time range applies whatever the application writes.
"""

from __future__ import annotations

from integrations.kubernetes import K8sInvalid, K8sNotFound, K8sUnavailable, KubernetesApi
from integrations.logs.models import (
    BadLogSource,
    LogLine,
    LogQuery,
    LogSourceNotFound,
    LogSourceUnavailable,
    newest,
    parse_stamp,
    split_line,
)

PREFIX = "k8s:"


def parse_source(source: str) -> tuple[str, str, str | None]:
    """``(namespace, pod, container)``; the container may be left out for one-container pods."""
    parts = source[len(PREFIX) :].split("/") if source.startswith(PREFIX) else []
    if len(parts) not in (2, 3) or not all(parts):
        raise BadLogSource(
            f"not a Kubernetes source: {source!r} (use k8s:<namespace>/<pod>/<container>)"
        )
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


class KubernetesLogs:
    """Reads pod logs through :class:`integrations.kubernetes.KubernetesApi`."""

    def __init__(self, api: KubernetesApi) -> None:
        self.api = api

    def _read(self, namespace: str, pod: str, container: str | None, previous: bool) -> list[str]:
        try:
            return self.api.pod_logs(namespace, pod, container, previous=previous, timestamps=True)
        except K8sInvalid as exc:
            # no terminated instance, or a container still waiting to start: no lines yet
            if previous or "waiting to start" in exc.message:
                return []
            raise

    def fetch(self, query: LogQuery) -> list[LogLine]:
        namespace, pod, container = parse_source(query.source)
        try:
            previous = self._read(namespace, pod, container, True)
            current = self._read(namespace, pod, container, False)
        except K8sNotFound as exc:
            raise LogSourceNotFound(f"{query.source}: {exc.message}") from exc
        except (K8sInvalid, K8sUnavailable) as exc:
            raise LogSourceUnavailable(f"{query.source}: {exc.message}") from exc
        if current == previous:  # a waiting container shows its last instance as current
            current = []
        lines = []
        for item in previous + current:
            stamp_text, _, rest = item.partition(" ")
            stamp = parse_stamp(stamp_text)
            if stamp is None:
                continue
            _, level, text = split_line(rest)
            if query.in_range(stamp) and query.matches(rest):
                lines.append(LogLine(timestamp=stamp, level=level, text=text, source=query.source))
        return newest(lines, query.limit)

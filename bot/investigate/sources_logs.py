"""Log reads over the real clients, one role of ``LiveEvidence``: CloudWatch Logs groups, a pod's
lines from the API server, and the lines shipped to a log store (Loki) for pods that are gone
or when no cluster is configured; and which sources there are to read (the configured ones, then
the pods that shipped logs from the service graph's namespaces).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.investigate.sources import LogRecord
from bot.investigate.sources_host import LiveHost
from integrations.aws import logs as cwlogs
from integrations.aws.session import AwsClients

_LINE = re.compile(
    r"^(?:(\d{4}-\d\d-\d\dT\S+)\s+)?(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\s+(.*)$"
)
_LEVEL_IN_TEXT = re.compile(r"\b(FATAL|ERROR|WARN(?:ING)?|CRITICAL)\b|level=(\w+)", re.I)


def _level_of(text: str) -> str | None:
    m = _LEVEL_IN_TEXT.search(text)
    if not m:
        return None
    return (m.group(1) or m.group(2) or "").upper() or None


class LiveLogReads(LiveHost):
    _router: Any | None  # integrations.logs.LogRouter
    _sources: list[str]
    _lookback: timedelta
    _clock: Clock
    _aws: AwsClients | None
    _k8s: Any | None

    def log_sources(self) -> list[str]:
        """The configured sources, then the pods whose logs were shipped (to Loki) from the
        namespaces the service graph runs in over ``shipped_lookback``: the replaced ones too,
        which the cluster no longer lists."""
        sources = list(self._sources)
        if self._router is None or not self._lists_shipped_pods():
            return sources
        namespaces = sorted({ns for _, ns in self._resources("k8s_deployment") if ns})
        from integrations.logs import LogSourceError

        end = self._clock.now()
        try:
            shipped = self._router.shipped_pod_sources(namespaces, end - self._lookback, end)
        except LogSourceError:  # the log store is down: the configured sources still count
            return sources
        return sources + [s for s in shipped if s not in sources]

    def _lists_shipped_pods(self) -> bool:
        return self._router is not None and any(ns for _, ns in self._resources("k8s_deployment"))

    def read_logs(
        self, source: str, start: datetime, end: datetime, *, previous: bool = False
    ) -> list[LogRecord]:
        kind, _, rest = source.partition(":")
        if kind == "cloudwatch" and self._aws is not None:
            events = cwlogs.filter_events(self._aws.logs, rest, start, end)
            return [LogRecord(e.at, _level_of(e.message), e.message, source) for e in events]
        if kind == "k8s":
            parts = rest.split("/")
            if len(parts) != 3:
                return []
            served = self._pod_log_lines(source, *parts, previous=previous)
            if served is not None:
                return served
            # the pod is gone (or no cluster is configured here): its lines may still be
            # where they were shipped (promtail labels them namespace/pod/container in Loki)
            return self._shipped(source, start, end)
        if kind in ("file", "loki"):
            return self._shipped(source, start, end)
        return []

    def _pod_log_lines(
        self, source: str, ns: str, pod: str, container: str, *, previous: bool
    ) -> list[LogRecord] | None:
        """The pod's lines from the API server; None when there is no cluster or no such pod."""
        if self._k8s is None:
            return None
        from integrations.kubernetes import K8sNotFound

        try:
            lines = self._k8s.pod_logs(ns, pod, container, previous=previous)
        except K8sNotFound:
            return None
        out = []
        for raw in lines:
            m = _LINE.match(raw)
            at: datetime | None = None
            if m:
                level, text = m.group(2), m.group(3)
                try:
                    at = datetime.fromisoformat(m.group(1)) if m.group(1) else None
                except ValueError:
                    at = None
            else:
                level, text = _level_of(raw), raw
            out.append(LogRecord(at, level, text, source))
        return out

    def _shipped(self, source: str, start: datetime, end: datetime) -> list[LogRecord]:
        """Lines of ``source`` from the log store they were shipped to (Loki), if one is set."""
        if self._router is None:
            return []
        from integrations.logs import LogQuery

        query = LogQuery(source=source, start=start, end=end, limit=20_000)
        backend = self._router.shipped_backend(source)
        if backend is None:
            return []
        return [LogRecord(ln.timestamp, ln.level, ln.text, source) for ln in backend.fetch(query)]

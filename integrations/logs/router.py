"""Pick the backend for a log query from its source's prefix."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from integrations.logs.models import BadLogSource, LogLine, LogQuery, LogSource

PREFIXES = ("cloudwatch", "k8s", "file", "loki")


class LogRouter:
    """One ``fetch`` for every source: ``cloudwatch:``, ``k8s:``, ``file:`` and ``loki:``.

    Backends are injected per prefix; ``file`` falls back to the ``loki`` backend, since file
    sources are shipped to Loki. A prefix with no backend is a ``BadLogSource``.
    """

    def __init__(
        self,
        *,
        cloudwatch: LogSource | None = None,
        k8s: LogSource | None = None,
        loki: LogSource | None = None,
        file: LogSource | None = None,
    ) -> None:
        self.backends: dict[str, LogSource] = {}
        for prefix, backend in (
            ("cloudwatch", cloudwatch),
            ("k8s", k8s),
            ("loki", loki),
            ("file", file or loki),
        ):
            if backend is not None:
                self.backends[prefix] = backend

    def backend_for(self, source: str) -> LogSource:
        prefix, sep, _ = source.partition(":")
        if not sep or prefix not in PREFIXES:
            raise BadLogSource(
                f"unknown log source {source!r}: start it with one of "
                + ", ".join(f"{p}:" for p in PREFIXES)
            )
        backend = self.backends.get(prefix)
        if backend is None:
            raise BadLogSource(f"no {prefix} log backend is configured (source {source!r})")
        return backend

    def shipped_backend(self, source: str) -> LogSource | None:
        """Where the lines of ``source`` were shipped: the ``file``/``loki`` backend, and for a
        ``k8s:`` pod (gone, or read without a cluster) the ``loki`` one, since promtail ships
        pod logs under ``{namespace, pod, container}``. None when nothing is configured."""
        prefix = source.partition(":")[0]
        return self.backends.get("loki" if prefix == "k8s" else prefix)

    def shipped_pod_sources(
        self, namespaces: Sequence[str], start: datetime, end: datetime
    ) -> list[str]:
        """The ``k8s:`` sources of the pods whose logs were shipped from ``namespaces`` between
        ``start`` and ``end`` (replaced pods included); none without a backend that lists them."""
        backend = self.backends.get("loki")
        pod_sources = getattr(backend, "pod_sources", None)
        if pod_sources is None:
            return []
        return list(pod_sources(namespaces, start, end))

    def fetch(self, query: LogQuery) -> list[LogLine]:
        return self.backend_for(query.source).fetch(query)

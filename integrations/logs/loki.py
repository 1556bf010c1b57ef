"""Loki over HTTP: LogQL ``query_range`` with an injected ``httpx.Client``.

``file:<host>:<path>`` sources become the selector ``{host="…", filename="…"}`` (how promtail
labels tailed files), ``k8s:<namespace>/<pod>/<container>`` the selector
``{namespace="…", pod="…", container="…"}`` (how promtail labels pod logs, which outlive the
pod); ``loki:{…}`` passes a selector through. A ``contains`` filter becomes a
LogQL line filter, so Loki does the filtering.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from integrations.logs.models import (
    BadLogSource,
    LogLine,
    LogQuery,
    LogSourceUnavailable,
    aware,
    newest,
    split_line,
)

FILE_PREFIX = "file:"
LOKI_PREFIX = "loki:"
K8S_PREFIX = "k8s:"


def quote(value: str) -> str:
    """A LogQL double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def selector_of(source: str) -> str:
    """The LogQL stream selector for a ``file:``, ``k8s:`` or ``loki:`` source."""
    if source.startswith(LOKI_PREFIX):
        selector = source[len(LOKI_PREFIX) :].strip()
        if not (selector.startswith("{") and selector.endswith("}")):
            raise BadLogSource(f'not a Loki selector: {source!r} (use loki:{{label="value"}})')
        return selector
    if source.startswith(FILE_PREFIX):
        host, sep, path = source[len(FILE_PREFIX) :].partition(":")
        if not host or not sep or not path.startswith("/"):
            raise BadLogSource(f"not a file source: {source!r} (use file:<host>:/path/to/file)")
        return "{" + f"host={quote(host)}, filename={quote(path)}" + "}"
    if source.startswith(K8S_PREFIX):
        parts = source[len(K8S_PREFIX) :].split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise BadLogSource(
                f"not a pod source: {source!r} (use k8s:<namespace>/<pod>/<container>)"
            )
        labels = zip(("namespace", "pod", "container"), parts, strict=False)
        return "{" + ", ".join(f"{k}={quote(v)}" for k, v in labels) + "}"
    raise BadLogSource(f"not a Loki source: {source!r}")


def logql(query: LogQuery) -> str:
    expr = selector_of(query.source)
    if query.contains:
        if query.ignore_case:
            expr += " |~ " + quote("(?i)" + re.escape(query.contains))
        else:
            expr += " |= " + quote(query.contains)
    return expr


def _ns(moment: datetime) -> str:
    moment = aware(moment)
    return str(int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000)


class LokiLogs:
    """Reads ``file:``, ``loki:`` and shipped ``k8s:`` sources from Loki; ``http`` carries the
    base URL."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def fetch(self, query: LogQuery) -> list[LogLine]:
        params: dict[str, Any] = {
            "query": logql(query),
            "limit": query.limit,
            "direction": "backward",
        }
        if query.start is not None:
            params["start"] = _ns(query.start)
        if query.end is not None:
            params["end"] = str(int(_ns(query.end)) + 1)  # Loki's end is exclusive; ours is not
        data = self._get("/loki/api/v1/query_range", params)
        try:
            streams = data["result"]
        except (KeyError, TypeError) as exc:
            raise LogSourceUnavailable("Loki answered with an unexpected body") from exc
        lines = []
        for stream in streams:
            for stamp_ns, raw in stream.get("values", []):
                when = datetime.fromtimestamp(int(stamp_ns) // 1_000_000_000, tz=UTC).replace(
                    microsecond=(int(stamp_ns) % 1_000_000_000) // 1000
                )
                _, level, text = split_line(raw)
                lines.append(LogLine(timestamp=when, level=level, text=text, source=query.source))
        return newest(lines, query.limit)

    def pod_sources(self, namespaces: Sequence[str], start: datetime, end: datetime) -> list[str]:
        """``k8s:<namespace>/<pod>/<container>`` for every pod stream Loki holds in
        ``namespaces`` between ``start`` and ``end`` (``/loki/api/v1/series``): the pods that
        wrote there, those since replaced included."""
        if not namespaces:
            return []
        params = [("match[]", "{" + f"namespace={quote(ns)}" + "}") for ns in namespaces]
        params += [("start", _ns(start)), ("end", str(int(_ns(end)) + 1))]
        data = self._get("/loki/api/v1/series", params)
        if not isinstance(data, list):
            raise LogSourceUnavailable("Loki answered with an unexpected body")
        found = []
        for labels in data:
            if not isinstance(labels, dict):
                continue
            parts = [labels.get(k) for k in ("namespace", "pod", "container")]
            if all(isinstance(p, str) and p for p in parts):
                found.append(K8S_PREFIX + "/".join(str(p) for p in parts))
        return sorted(set(found))

    def _get(self, path: str, params: Any) -> Any:
        """The ``data`` of Loki's answer to ``GET path``; a failure is ``LogSourceUnavailable``."""
        try:
            response = self.http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise LogSourceUnavailable(f"Loki unreachable: {exc}") from exc
        if response.status_code >= 400:
            detail = response.text.strip()[:200]
            raise LogSourceUnavailable(f"Loki answered {response.status_code}: {detail}")
        try:
            return response.json()["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise LogSourceUnavailable("Loki answered with an unexpected body") from exc

"""Prometheus through its HTTP API with an injected ``httpx.Client``: ``/api/v1/query_range``
(split into chunks below Prometheus' 11,000 points per series), ``/api/v1/series`` for discovery.

A ``MetricRef`` becomes a selector by ``naming.prom_selector`` unless it carries its own
``promql``. A query that returns several series is an error for ``read`` (say which).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from integrations.metrics.models import (
    BadMetricQuery,
    MetricData,
    MetricInfo,
    MetricRef,
    MetricSourceUnavailable,
    aware,
    check_range,
)
from integrations.metrics.naming import prom_name, prom_selector, quote

MAX_POINTS = 11_000  # Prometheus refuses longer query_range answers per series
RESERVED = ("__name__", "namespace", "service")


def selector_of(ref: MetricRef) -> str:
    return ref.promql or prom_selector(ref.namespace, ref.name, ref.dimensions)


class PrometheusMetrics:
    """The Prometheus backend of ``MetricSource``."""

    def __init__(self, client: httpx.Client, base_url: str | None = None) -> None:
        self.client = client
        self.base_url = (base_url or str(client.base_url)).rstrip("/")

    def _get(self, path: str, params: Any) -> Any:
        url = f"{self.base_url}{path}"
        try:
            response = self.client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise MetricSourceUnavailable(f"Prometheus did not answer at {url}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 400 or body.get("errorType") == "bad_data":
            raise BadMetricQuery(
                f"Prometheus refused the query: {body.get('error') or response.text[:200]}"
            )
        if response.status_code >= 300 or body.get("status") != "success":
            reason = body.get("error") or response.text[:200]
            raise MetricSourceUnavailable(f"Prometheus answered {response.status_code}: {reason}")
        return body["data"]

    def query_range(
        self, query: str, start: datetime, end: datetime, step_seconds: int
    ) -> list[tuple[dict[str, str], list[datetime], list[float]]]:
        """Every series of a PromQL range query: ``(labels, timestamps, values)``."""
        check_range(start, end, step_seconds)
        start, end = aware(start), aware(end)
        chunk = timedelta(seconds=step_seconds * (MAX_POINTS - 1))
        merged: dict[tuple[tuple[str, str], ...], dict[datetime, float]] = {}
        t = start
        while t <= end:
            stop = min(t + chunk, end)
            data = self._get(
                "/api/v1/query_range",
                {
                    "query": query,
                    "start": f"{t.timestamp():.3f}",
                    "end": f"{stop.timestamp():.3f}",
                    "step": str(step_seconds),
                },
            )
            if data.get("resultType") != "matrix":
                raise BadMetricQuery(f"expected a range vector, got {data.get('resultType')}")
            for series in data.get("result", []):
                key = tuple(sorted(series.get("metric", {}).items()))
                points = merged.setdefault(key, {})
                for ts, raw in series.get("values", []):
                    points[datetime.fromtimestamp(float(ts), tz=UTC)] = float(raw)
            t = stop + timedelta(seconds=step_seconds)
        out = []
        for key, points in merged.items():
            ordered = sorted(points.items())
            out.append((dict(key), [p for p, _ in ordered], [v for _, v in ordered]))
        return out

    def read(self, ref: MetricRef, start: datetime, end: datetime, step_seconds: int) -> MetricData:
        query = selector_of(ref)
        found = self.query_range(query, start, end, step_seconds)
        if len(found) > 1:
            raise BadMetricQuery(f"{query} matches {len(found)} series; narrow the selector")
        if not found:
            return MetricData(ref, [], [])
        _, stamps, values = found[0]
        return MetricData(ref, stamps, values)

    def read_many(
        self, refs: Sequence[MetricRef], start: datetime, end: datetime, step_seconds: int
    ) -> list[MetricData]:
        return [self.read(r, start, end, step_seconds) for r in refs]

    def list_metrics(self, names: Sequence[str] = ()) -> list[MetricInfo]:
        """Series known to Prometheus (``/api/v1/series``), as refs that read back exactly."""
        matchers = [prom_name(n) for n in names] or ['{__name__=~".+"}']
        data = self._get("/api/v1/series", [("match[]", m) for m in matchers])
        out: dict[str, MetricInfo] = {}
        for labels in data:
            name = labels.get("__name__", "")
            dims = {k: v for k, v in labels.items() if k not in RESERVED}
            inner = ", ".join(
                f"{k}={quote(v)}" for k, v in sorted(labels.items()) if k != "__name__"
            )
            ref = MetricRef(
                namespace=labels.get("namespace", ""),
                name=name,
                dimensions=dims,
                service=labels.get("service"),
                promql=f"{name}{{{inner}}}",
            )
            out[ref.key] = MetricInfo(ref, dict(labels))
        return [out[k] for k in sorted(out)]

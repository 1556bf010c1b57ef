"""How a CloudWatch-style metric is named in Prometheus (what the sandbox serves and the
Prometheus backend queries): ``disk_used_percent{namespace="CWAgent", instance_id="i-…",
path="/", service="…"}``.

The metric name is the CloudWatch name in snake case (``CPUUtilization`` → ``cpu_utilization``);
each dimension becomes a snake-case label; ``namespace`` and ``service`` are labels too, so two
namespaces with the same metric name stay apart.
"""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_BAD = re.compile(r"[^a-zA-Z0-9_]")


def snake(name: str) -> str:
    out = _BAD.sub("_", _CAMEL.sub("_", name)).lower().strip("_")
    out = re.sub(r"_+", "_", out)
    return out if out and not out[0].isdigit() else f"_{out}"


def prom_name(name: str) -> str:
    return snake(name)


def prom_labels(
    namespace: str, dimensions: dict[str, str], service: str | None = None
) -> dict[str, str]:
    labels = {snake(k): str(v) for k, v in dimensions.items()}
    labels["namespace"] = namespace
    if service:
        labels["service"] = service
    return labels


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def prom_selector(namespace: str, name: str, dimensions: dict[str, str]) -> str:
    """An exact selector (service is not needed to pick the series)."""
    labels = prom_labels(namespace, dimensions)
    inner = ", ".join(f"{k}={quote(v)}" for k, v in sorted(labels.items()))
    return f"{prom_name(name)}{{{inner}}}"

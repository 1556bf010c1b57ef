"""Docs move with code: docs/operations.md's "What to watch" table names every metric the process
exports at /metrics (counters with Prometheus' ``_total``), and only those."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

SOURCES = [*sorted((ROOT / "bot" / "observability").glob("*.py")), ROOT / "bot/learn/metrics.py"]
KINDS = {"Counter", "Histogram", "Gauge", "GaugeMetricFamily"}


def _exported() -> set[str]:
    names = set()
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            kind = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) else None
            if kind in KINDS and isinstance(name, str) and name.startswith("aiops_"):
                names.add(f"{name}_total" if kind == "Counter" else name)
    return names


def _documented() -> set[str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    table = text.split("\n## What to watch\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(aiops_[a-z_]+)(?:\{[^}]*\})?`", table))


def test_every_exported_metric_is_in_the_watch_table() -> None:
    exported, documented = _exported(), _documented()
    assert {"aiops_alerts_received_total", "aiops_incidents"} <= exported  # the walk found them
    assert not exported - documented, f"add to docs/operations.md: {exported - documented}"
    assert not documented - exported, f"documented, not exported: {documented - exported}"

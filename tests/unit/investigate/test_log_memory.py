"""A memory leak seen only in the memory a process reports in its own lines (issue 15): a climb
to an out-of-memory is a leak, and the pool that fills on the way is its symptom; a level that
wanders is no trend. Made-up lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.interpret import rank
from bot.investigate.log_memory import memory_trend
from bot.investigate.models import FindingType
from bot.investigate.primitives.logs import memory_finding, signature_findings
from bot.investigate.sources import LogRecord
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import parse_scenario_text

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
CLIMB = [
    "Serving normally, current memory: 380MB",
    "WARN Memory usage rising: 610MB / 1024MB",
    "WARN Memory usage high: 840MB / 1024MB",
    "ERROR Upload handler: leaked 300MB of request buffers",  # another figure: one step down
    "WARN Memory usage critical: 990MB / 1024MB",
    "ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms.",
    "ERROR Request failed: java.lang.OutOfMemoryError: Java heap space",
]


def lines(texts: list[str]) -> list[LogRecord]:
    return [
        LogRecord(T0 + timedelta(seconds=30 * i), None, t, "k8s:m/a/a") for i, t in enumerate(texts)
    ]


def test_memory_that_climbs_in_its_own_lines_is_a_trend() -> None:
    trend = memory_trend(lines(CLIMB))
    assert trend is not None
    assert (trend.first_mb, trend.last_mb, trend.near_limit) == (380.0, 990.0, True)


def test_a_level_that_wanders_is_no_trend() -> None:
    wander = [f"[agent] Memory usage: {mb}MB" for mb in (120, 190, 150, 185, 110, 140)]
    assert memory_trend(lines(wander)) is None


WORLD = """
version: 1
name: made-up
summary: s
now: "2026-02-01T09:00:00Z"
services:
  - {name: uploads, tier: app, runs_on: {kind: k8s_deployment, namespace: m, name: uploads}}
alerts: []
"""


def test_the_leak_leads_over_the_pool_it_fills() -> None:
    scenario = parse_scenario_text(WORLD).scenario
    topo = Topology([ServiceNode("uploads", "k8s_deployment", "uploads", "m")])
    ctx = InvestigationContext(ScenarioEvidence(scenario), topo)
    said = lines(CLIMB)
    findings = signature_findings(ctx, "uploads", "k8s:m/a/a", said)
    findings += memory_finding(ctx, "uploads", "k8s:m/a/a", said)
    assert any(f.type == FindingType.METRIC_TREND for f in findings)
    top = rank(default_playbooks(), findings, ["uploads"], topo)[0]
    assert (top.kind, top.service) == ("memory_leak", "uploads")

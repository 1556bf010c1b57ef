"""A service slow on its own CPU (its CPU stepped up as it became slow, no more requests, nothing
it calls slower first) is CPU saturation on it, not "a dependency is slow" for its callers
(issue 15 pt 3). Rules in cpu_bound.yaml; synthetic metric shifts, made-up names."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_reasoning import finding

STORE = Topology(
    [
        ServiceNode("gateway", "k8s_deployment", "gateway", "store", depends_on=("pricing",)),
        ServiceNode("pricing", "k8s_deployment", "pricing", "store", depends_on=("rates",)),
        ServiceNode("rates", "k8s_deployment", "rates", "store"),
    ]
)


def _up(service: str, signal: str, metric: str, ago: float, rel: float) -> Finding:
    return finding(
        FindingType.METRIC_SHIFT,
        service,
        f"{metric} ({service}) rose {ago} min ago",
        ago,
        signal=signal,
        metric=metric,
        direction="up",
        shape="step",
        recovered=False,
        rel_change=rel,
        onset_min_ago=ago,
    )


def _busy_pricing() -> list[Finding]:
    return [
        _up("gateway", "latency", "http_p95_ms", 14, 5.0),
        _up("pricing", "latency", "rpc_p95_ms", 15, 90.0),
        _up("pricing", "cpu", "container_cpu_usage_seconds_total:rate5m", 15, 12.0),
    ]


def test_a_service_slow_on_its_own_cpu_is_cpu_saturation_not_a_slow_dependency() -> None:
    done = conclude([], default_playbooks(), _busy_pricing(), STORE)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("cpu_saturation", "pricing")
    assert "own CPU" in top.summary
    others = [h for h in done.hypotheses[1:] if h.kind == "dependency_failure"]
    assert all(h.confidence < top.confidence for h in others)


def test_more_requests_arriving_explain_the_cpu_instead() -> None:
    findings = [*_busy_pricing(), _up("gateway", "traffic", "requests_total:rate1m", 16, 4.0)]
    done = conclude([], default_playbooks(), findings, STORE)
    assert not any(h.playbook == "reasoning:cpu_bound" for h in done.hypotheses)


def test_a_dependency_slow_before_it_is_what_it_waits_on() -> None:
    findings = [*_busy_pricing(), _up("rates", "latency", "query_p95_ms", 25, 30.0)]
    done = conclude([], default_playbooks(), findings, STORE)
    assert not any(h.playbook == "reasoning:cpu_bound" for h in done.hypotheses)


def test_the_statements_it_runs_explain_the_cpu_instead() -> None:
    # its own lines time the queries it executes (a slow-query log): the queries spend the CPU
    query = finding(
        FindingType.LOG_SIGNATURE,
        "pricing",
        'pricing: 40 line(s) like "LOG:  duration: 5120.7 ms  statement: SELECT …"',
        15,
        signature="slow_query",
        count=40,
    )
    done = conclude([], default_playbooks(), [*_busy_pricing(), query], STORE)
    assert not any(h.playbook == "reasoning:cpu_bound" for h in done.hypotheses)

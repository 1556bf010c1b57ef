"""A dependency that went quiet (its CPU fell) as its caller became slow, with no failure of its
own, is the network path to it: network_partition on it, not "the caller is slow, cause not
identified" (issue 15 pt 3). Rules in quiet_callee.yaml; synthetic shifts, made-up names."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_reasoning import crash, finding

PORTAL = Topology(
    [
        ServiceNode("portal", "k8s_deployment", "portal", "web", depends_on=("accounts", "news")),
        ServiceNode("accounts", "k8s_deployment", "accounts", "web"),
        ServiceNode("news", "k8s_deployment", "news", "web"),
    ]
)


def _shift(service: str, signal: str, direction: str, rel: float, ago: float = 4) -> Finding:
    return finding(
        FindingType.METRIC_SHIFT,
        service,
        f"{signal} ({service}) moved {direction} {ago} min ago",
        ago,
        signal=signal,
        metric=f"{signal}_metric",
        direction=direction,
        shape="step",
        recovered=False,
        rel_change=rel,
        onset_min_ago=ago,
    )


def test_a_callee_gone_quiet_as_its_caller_waits_is_the_network_path_to_it() -> None:
    findings = [_shift("portal", "latency", "up", 80.0), _shift("accounts", "cpu", "down", -0.8)]
    done = conclude([], default_playbooks(), findings, PORTAL)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("network_partition", "accounts")
    assert not any(a.risk != "read" for a in done.actions)


def test_a_quiet_callee_that_fails_itself_is_not_read_as_the_network() -> None:
    findings = [
        _shift("portal", "latency", "up", 80.0),
        _shift("accounts", "cpu", "down", -0.8),
        crash("accounts"),
    ]
    done = conclude([], default_playbooks(), findings, PORTAL)
    assert not any(h.playbook == "reasoning:quiet_callee" for h in done.hypotheses)


def test_every_callee_quiet_is_the_callers_own_side_not_one_path() -> None:
    findings = [
        _shift("portal", "latency", "up", 80.0),
        _shift("accounts", "cpu", "down", -0.8),
        _shift("news", "cpu", "down", -0.7),
    ]
    done = conclude([], default_playbooks(), findings, PORTAL)
    assert not any(h.playbook == "reasoning:quiet_callee" for h in done.hypotheses)

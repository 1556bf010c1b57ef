"""Cascades: a caller's symptoms that a deeper dependency's failure explains.

A cache master goes down; the service that uses it exhausts its pool, its callers time out, and
the one whose logs were read reports all of it. Its error lines that say a connection was
refused (or the far end is shut down, unreachable, reset) and name a service it depends on,
directly or through others, point past it. Of the services named this way, the most upstream
one (no other named one sits below it in the graph) is the cause: it gets a hypothesis of the
kind its tier implies (a datastore: ``database_unavailable``) just above the best hypothesis it
explains, and the explained ones on the reporting service and on the services between rank
below it, saying why. Rules in ``playbooks/reasoning/cascade.yaml``; nothing names a service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.investigate.context import Topology
from bot.investigate.explains import lead, lead_confidence, rank_below
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.primitives.base import word_in
from bot.investigate.reasoning_data import Cascade, cascade_rules

PLAYBOOK = "reasoning:cascade"


@dataclass(frozen=True)
class Pointer:
    """A reporting service, the deepest dependency its refusing lines name, and those lines."""

    reporter: str
    cause: str
    lines: tuple[Finding, ...]


def _named(line: Finding, candidates: Sequence[str], topo: Topology) -> list[str]:
    text = str(line.attrs.get("example") or line.summary)
    out = []
    for name in candidates:
        node = topo.get(name)
        tokens = {name, node.resource if node is not None else name}
        if any(t and word_in(t, text) for t in tokens):
            out.append(name)
    return out


def pointers(findings: Sequence[Finding], topo: Topology, rules: Cascade) -> list[Pointer]:
    """Per reporting service, the most upstream dependency its refusing error lines name."""
    by_reporter: dict[str, list[Finding]] = {}
    for f in findings:
        if (
            f.type == FindingType.LOG_SIGNATURE
            and f.service
            and f.attrs.get("signature") in rules.signatures
            and f.attrs.get("level") in rules.levels
        ):
            by_reporter.setdefault(f.service, []).append(f)
    out = []
    for reporter, lines in by_reporter.items():
        deps = topo.dependencies(reporter)
        named = {n: line for line in lines for n in _named(line, deps, topo)}
        # the deepest: none of the other named services is among its dependencies
        deepest = [n for n in named if not set(topo.dependencies(n)) & set(named)]
        if deepest:
            cause = deepest[0]
            cited = tuple(line for line in lines if cause in _named(line, [cause], topo))
            out.append(Pointer(reporter, cause, cited))
    return out


def _kind(service: str, topo: Topology, rules: Cascade) -> str:
    node = topo.get(service)
    if node is not None and node.tier in rules.kind_by_tier:
        return rules.kind_by_tier[node.tier]
    platform = node.kind if node is not None else ""
    return rules.kind_by_platform.get(platform, rules.kind)


def apply(
    hypotheses: Sequence[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> list[Hypothesis]:
    """Add (or raise) the cause of each cascade and rank what it explains below it; returns
    the hypotheses added (the hypotheses given are changed in place, not extended)."""
    rules = cascade_rules()
    added: list[Hypothesis] = []
    for p in pointers(findings, topo, rules):
        middle = set(topo.dependencies(p.reporter)) & set(topo.dependents(p.cause))
        between = {p.reporter, *middle}
        known = [*hypotheses, *added]  # a second reporter pointing at a cause finds it
        explained = [
            h
            for h in known
            if h.service in between and h.kind in rules.explained_kinds and h.service != p.cause
        ]
        said = p.lines[0].summary.split(": ", 1)[-1][:200]
        because = f"{p.reporter}'s error lines say {p.cause} refuses it or is gone ({said})"
        # a hypothesis the cause already has (a partition, a database down) is raised, not
        # doubled with another kind
        own = sorted((h for h in known if h.service == p.cause), key=lambda h: -h.confidence)
        cause = Hypothesis(
            kind=_kind(p.cause, topo, rules),
            service=p.cause,
            confidence=lead_confidence(explained, rules),
            summary=f"{p.cause} is down or refuses connections: {because}; it is the most "
            f"upstream failing service named, and explains what its callers report",
            evidence=[line.summary for line in p.lines],
            playbook=PLAYBOOK,
        )
        leader = lead(own[0] if own else None, cause, added)
        if leader is None:  # a rule weighed evidence against it: it explains nothing here
            continue
        for h in explained:
            reason = f"explained by {p.cause}, which it depends on: {because}"
            rank_below(h, leader.confidence, rules.margin, reason)
    return added

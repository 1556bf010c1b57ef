"""Where the time goes: of the slow services, the one the others wait on (issue 15 pt 3).

A request's time is spent in the service that serves it and in what it calls. The services
whose own lines time their requests as slow (``request_latency`` findings) are *slow*; a slow
service with a slow dependency waits on it. Where no slow dependency explains a slow service,
the walk goes on to the one service it calls when nobody calls it (a client or a load generator
times the calls it makes) or when that one dependency is a datastore (``through_tiers``), and
stops at a service whose own lines time what it does as fast. Where it ends at a service that calls
nothing in the graph, the time is that service's own work on the request path (``kind``: a
query, most often; the slow path named when one path of its requests is slow and the others
fast); the hypotheses on the slow services above it rank below it and say why. A rule that
already reads the slowness above it specifically (an API gateway's latency, a function's
timeout) keeps its place: nothing is added then. Rules in
``playbooks/reasoning/slow_path.yaml``; no service is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pydantic import Field

from bot.configfile import FrozenModel
from bot.investigate.context import Topology
from bot.investigate.explains import rank_below
from bot.investigate.log_latency import duration, log_latency_rules
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import load

PLAYBOOK = "reasoning:slow_path"


class SlowPath(FrozenModel):
    through_tiers: list[str] = Field(default_factory=list)
    modes: list[str] = Field(default_factory=list)
    kind: str
    because: str
    confidence: float = Field(ge=0.05, le=0.6)
    path_confidence: float = Field(ge=0.05, le=0.6)
    explained_kinds: list[str] = Field(default_factory=list)
    margin: float = Field(ge=0.0, le=0.3)


@lru_cache(maxsize=1)
def slow_path_rules() -> SlowPath:
    return load(SlowPath, "slow_path.yaml")


def timings(findings: Sequence[Finding]) -> dict[str, Finding]:
    """Service → its log latency finding (the slowest when it has several sources)."""
    out: dict[str, Finding] = {}
    for f in findings:
        if f.type != FindingType.REQUEST_LATENCY or not f.service:
            continue
        have = out.get(f.service)
        if have is None or (bool(f.attrs.get("slow")), _p50(f)) > (
            bool(have.attrs.get("slow")),
            _p50(have),
        ):
            out[f.service] = f
    return out


def _p50(f: Finding) -> float:
    value = f.attrs.get("path_p50_s") or f.attrs.get("p50_s") or 0.0
    return float(value) if isinstance(value, int | float) else 0.0


def timed_fast(findings: Sequence[Finding]) -> set[str]:
    """Services whose own lines time what they do as fast: a log latency finding that is not
    slow, or mined lines whose example times its work under a second and none over it (a
    database's "duration: 4.1 ms statement: …")."""
    limit = log_latency_rules().slow_seconds
    fast: set[str] = set()
    slow: set[str] = set()
    for f in findings:
        if not f.service:
            continue
        if f.type == FindingType.REQUEST_LATENCY:
            (slow if f.attrs.get("slow") else fast).add(f.service)
        elif f.type in (FindingType.LOG_SIGNATURE, FindingType.LOG_TEMPLATE):
            example = f.attrs.get("example")
            took = duration(example) if isinstance(example, str) else None
            if took is not None:
                (slow if took[0] >= limit else fast).add(f.service)
    return fast - slow


def where_time_goes(
    service: str, topo: Topology, findings: Sequence[Finding], rules: SlowPath | None = None
) -> str | None:
    """The service ``service``'s time goes to when the walk ends at one that calls nothing in
    the graph (itself included), else None (it calls several, and their lines say nothing)."""
    rules = rules or slow_path_rules()
    fast = timed_fast(findings)
    seen = {service}
    here = service
    while True:
        node = topo.get(here)
        if node is None:
            return None
        if not node.depends_on:
            return here
        if len(node.depends_on) != 1:
            return None
        (dep,) = node.depends_on
        dep_node = topo.get(dep)
        dep_tier = dep_node.tier if dep_node is not None else None
        if topo.dependents(here) and dep_tier not in rules.through_tiers:
            return None
        if dep in seen or dep in fast:
            return None
        seen.add(dep)
        here = dep


def _roots(timed: dict[str, Finding], topo: Topology) -> list[str]:
    """Slow services no slow dependency explains."""
    slow = {s for s, f in timed.items() if f.attrs.get("slow")}
    return [s for s in slow if not set(topo.dependencies(s)) & slow]


def summary_of(service: str, target: str, said: Finding | None, rules: SlowPath) -> str:
    """What is slow and why the time is ``target``'s, in the finding's own figures."""
    via = "" if target == service else f" ({service}'s slow requests wait on it)"
    if said is None:
        return f"{target} is slow{via}: {rules.because}"
    path = said.attrs.get("path")
    if isinstance(path, str):
        return (
            f'{target} is slow{via}: requests like "{path[:120]}" take '
            f"{said.attrs.get('path_p50_s')} s (median), the others "
            f"{said.attrs.get('other_p50_s')} s; only that path is slow, so the work it alone "
            f"does is: {rules.because}"
        )
    return f"{target} is slow{via}: {said.summary.split(': ', 1)[-1][:220]}; {rules.because}"


def apply(
    hypotheses: list[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> list[Hypothesis]:
    """A hypothesis on where the time of each slow chain goes (none when that service has one
    already); the hypotheses on the slow services above it rank below it."""
    rules = slow_path_rules()
    timed = timings(findings)
    added: list[Hypothesis] = []
    for root in sorted(_roots(timed, topo)):
        target = where_time_goes(root, topo, findings, rules)
        if target is None or any(h.service == target for h in [*hypotheses, *added]):
            continue
        waiting = {s for s in topo.dependents(target)}
        if any(h.service in waiting and h.kind not in rules.explained_kinds for h in hypotheses):
            continue  # a rule already reads the slowness above it specifically
        said = timed.get(target) or timed[root]
        confidence = rules.path_confidence if said.attrs.get("path") else rules.confidence
        hyp = Hypothesis(
            kind=rules.kind,
            service=target,
            confidence=confidence,
            summary=summary_of(root, target, said, rules),
            evidence=list(dict.fromkeys([said.summary, timed[root].summary])),
            playbook=PLAYBOOK,
        )
        added.append(hyp)
        for h in hypotheses:
            if h.service in waiting and h.service in timed and h.kind in rules.explained_kinds:
                reason = f"it waits on {target}, which is slow itself"
                rank_below(h, confidence, rules.margin, reason)
    return added

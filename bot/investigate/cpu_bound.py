"""A service slow on its own CPU: the time goes to CPU it spends itself (issue 15 pt 3).

A service whose CPU use stepped up when it became slow, while no more requests arrive (no traffic
rise on it or its callers) and nothing it calls became slow before it, is busy on its own: a hot
loop, busy threads, repeated garbage collection. Its callers' "a dependency it calls is slow"
and its own "slow, cause not identified" only restate it. It gets ``kind`` (CPU saturation) just
above the best reading it explains; those rank below it with the reason. Rules in
``playbooks/reasoning/cpu_bound.yaml``; no service is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pydantic import Field

from bot.investigate.context import Topology
from bot.investigate.explains import lead, lead_confidence, rank_below
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import CauseMargin, load

PLAYBOOK = "reasoning:cpu_bound"


class CpuBound(CauseMargin):
    signals: list[str] = Field(min_length=1)
    min_rel_change: float = Field(gt=0.0)
    window_minutes: float = Field(gt=0.0)
    load_signals: list[str] = Field(default_factory=list)
    query_signatures: list[str] = Field(default_factory=list)
    because: str


@lru_cache(maxsize=1)
def cpu_bound_rules() -> CpuBound:
    return load(CpuBound, "cpu_bound.yaml")


def _rising(f: Finding, signals: Sequence[str]) -> bool:
    return (
        f.type == FindingType.METRIC_SHIFT
        and f.attrs.get("signal") in signals
        and f.attrs.get("direction") == "up"
        and not f.attrs.get("recovered")
    )


def _onset(f: Finding) -> float | None:
    value = f.attrs.get("onset_min_ago", f.attrs.get("first_seen_min_ago"))
    return float(value) if isinstance(value, int | float) else None


def _slow_since(service: str, findings: Sequence[Finding]) -> float | None:
    """Minutes since the service's own slowness began (a latency rise or slow timed lines)."""
    onsets = [
        _onset(f)
        for f in findings
        if f.service == service
        and (
            _rising(f, ["latency"])
            or (f.type == FindingType.REQUEST_LATENCY and f.attrs.get("slow"))
        )
    ]
    known = [o for o in onsets if o is not None]
    return max(known) if known else None


def _busy(service: str, findings: Sequence[Finding], rules: CpuBound) -> Finding | None:
    rises = [
        f
        for f in findings
        if f.service == service
        and _rising(f, rules.signals)
        and float(f.attrs.get("rel_change") or 0.0) >= rules.min_rel_change
    ]
    return max(rises, key=lambda f: float(f.attrs.get("rel_change") or 0.0), default=None)


def apply(
    hypotheses: list[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> list[Hypothesis]:
    """Add (or raise) CPU saturation on each service slow on its own CPU and rank the readings
    it explains below it; returns the hypotheses added (those given are changed in place, not
    extended)."""
    rules = cpu_bound_rules()
    added: list[Hypothesis] = []
    for name in topo.names():
        cpu = _busy(name, findings, rules)
        slow = _slow_since(name, findings)
        if cpu is None or slow is None:
            continue
        if any(
            f.service == name and f.attrs.get("signature") in rules.query_signatures
            for f in findings
        ):
            continue  # the statements it runs spend the CPU: slow queries, not CPU of its own
        began = _onset(cpu)
        if began is None or abs(began - slow) > rules.window_minutes:
            continue
        callers = set(topo.dependents(name))
        if any(f.service in {name, *callers} and _rising(f, rules.load_signals) for f in findings):
            continue  # more requests arriving: the load explains the CPU
        deps = topo.dependencies(name)
        if any((_slow_since(d, findings) or 0.0) > slow for d in deps):
            continue  # something it calls was slow first: it waits on that
        reach = {name, *callers}
        known = [*hypotheses, *added]
        explained = [
            h
            for h in known
            if h.service in reach and h.kind in rules.explained_kinds and h.kind != rules.kind
        ]
        ratio = f"{1.0 + float(cpu.attrs.get('rel_change') or 0.0):.0f}"
        because = rules.because.format(ratio=ratio, cpu=cpu.attrs.get("metric") or "cpu")
        evidence = [
            cpu.summary,
            *(
                f.summary
                for f in findings
                if f.service == name
                and (_rising(f, ["latency"]) or f.type == FindingType.REQUEST_LATENCY)
            ),
        ]
        same = next((h for h in known if (h.kind, h.service) == (rules.kind, name)), None)
        cause = Hypothesis(
            kind=rules.kind,
            service=name,
            confidence=lead_confidence(explained, rules),
            summary=f"{name} is slow on its own CPU: {because}",
            evidence=evidence,
            playbook=PLAYBOOK,
        )
        leader = lead(same, cause, added)
        if leader is None:  # a rule weighed evidence against it
            continue
        for h in explained:
            reason = f"explained by {name} spending its own CPU ({because.split(':')[0]})"
            rank_below(h, leader.confidence, rules.margin, reason)
    return added

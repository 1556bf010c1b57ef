"""Change relevance: a change counts against a service only if it can have caused the symptom.

Three tests, rules in ``playbooks/reasoning/change_relevance.yaml``:

1. it touches the service or something the service depends on — and what it touches was not
   already failing before it (a deploy to a caller of a dependency that failed first explains
   nothing);
2. it comes before the symptom (at most ``grace_minutes`` after the onset);
3. its diff can produce the symptom: a diff whose every key (env var, parameter, flag, event
   name) is inert — logging, metadata, tags, monitoring — cannot.

A change that fails a test is shown as "recent, probably unrelated: <reason>", and a hypothesis
that blames only such changes loses ``penalty`` of its confidence and says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.investigate.context import Topology
from bot.investigate.models import Fact, Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import ChangeRelevance, change_relevance

if TYPE_CHECKING:  # fallback asks relevance whether a change may explain a failure
    from bot.investigate.fallback import Failing

_KEY_ATTRS = ("key", "parameter", "flag", "setting", "variable", "event_name")
NEAR_MINUTES = 5.0
#: how a change found unrelated is shown, as a fact and against the hypotheses blaming it
UNRELATED = "recent, probably unrelated"


def diff_keys(change: Finding, findings: Sequence[Finding]) -> list[str]:
    """What a change changed: its own keys and the config diffs of its service at its time."""
    keys = [str(v) for k in _KEY_ATTRS if (v := change.attrs.get(k))]
    if change.attrs.get("kind") == "deployment" and not change.attrs.get("event_name"):
        keys.append("image")  # a deploy changes the code unless a diff says otherwise
    when = change.attrs.get("minutes_ago")
    for f in findings:
        if f.type != FindingType.CONFIG_DIFF or f.service != change.service:
            continue
        ago = f.attrs.get("minutes_ago")
        if (
            isinstance(when, int | float)
            and isinstance(ago, int | float)
            and abs(ago - when) > NEAR_MINUTES
        ):
            continue
        key = f.attrs.get("key")
        if key:
            keys.append(str(key))
    return list(dict.fromkeys(keys))


def _inert_reason(keys: Sequence[str], rules: ChangeRelevance) -> str | None:
    if not keys:
        return None
    reasons: list[str] = []
    for key in keys:
        hit = next((r for r in rules.inert if re.search(r.pattern, key, re.I)), None)
        if hit is None:
            return None
        reasons.append(hit.reason)
    return f"{'; '.join(dict.fromkeys(reasons))} ({', '.join(keys)})"


def inert_reason(change: Finding, findings: Sequence[Finding]) -> str | None:
    """Why ``change`` cannot change behaviour (every key of its diff inert: logging, tags,
    metadata), or None when it may."""
    return _inert_reason(diff_keys(change, findings), change_relevance())


def onset_of(service: str, failing: Sequence[Failing], topo: Topology) -> datetime | None:
    """When the symptom began: the earliest failure finding on the service itself, or, when it
    shows none of its own, on its callers. A caller calls other services too: when the service
    fails visibly, a caller's earlier failure may belong to another of its dependencies, and
    would make the service's own change look late."""
    own = [f.at for fail in failing if fail.service == service for f in fail.findings if f.at]
    if own:
        return min(own)
    near = set(topo.dependents(service))
    times = [f.at for fail in failing if fail.service in near for f in fail.findings if f.at]
    return min(times) if times else None


def unrelated_reason(
    change: Finding,
    findings: Sequence[Finding],
    failing: Sequence[Failing],
    topo: Topology,
    rules: ChangeRelevance | None = None,
) -> str | None:
    """Why ``change`` cannot explain what fails, or None when it may."""
    rules = rules or change_relevance()
    service = change.service or ""
    if change.at is not None:
        onset = onset_of(service, failing, topo)
        if onset is not None and change.at > onset + timedelta(minutes=rules.grace_minutes):
            late = (change.at - onset).total_seconds() / 60.0
            return f"it came {late:.0f} min after the symptom began"
        for fail in failing:
            if fail.service not in topo.dependencies(service):
                continue
            began = min((f.at for f in fail.findings if f.at), default=None)
            hard = {m.name for m in fail.modes} - {"erroring", "slow"}
            if began is not None and began < change.at and hard:
                return f"{fail.service}, which {service} depends on, was already failing before it"
    return _inert_reason(diff_keys(change, findings), rules)


def _blamed_changes(hyp: Hypothesis, findings: Sequence[Finding], topo: Topology) -> list[Finding]:
    reach = {hyp.service, *topo.dependencies(hyp.service)}
    changes = [f for f in findings if f.type == FindingType.CHANGE and f.service in reach]
    if hyp.change:
        named = [f for f in changes if str(f.attrs.get("label")) == hyp.change]
        if named:
            return named
    return [f for f in changes if f.service == hyp.service and f.summary in hyp.evidence]


def apply(
    hypotheses: Sequence[Hypothesis],
    findings: Sequence[Finding],
    failing: Sequence[Failing],
    topo: Topology,
) -> list[Fact]:
    """Demote hypotheses that blame only unrelated changes (in place); facts for every recent
    change found unrelated."""
    rules = change_relevance()
    facts: list[Fact] = []
    verdict: dict[str, str | None] = {}
    for f in findings:
        if f.type == FindingType.CHANGE and f.summary not in verdict:
            verdict[f.summary] = unrelated_reason(f, findings, failing, topo, rules)
            reason = verdict[f.summary]
            if reason:
                facts.append(
                    Fact(
                        text=f"{UNRELATED}: {f.summary} — {reason}",
                        source="reasoning:change_relevance",
                    )
                )
    for hyp in hypotheses:
        if hyp.kind not in rules.change_kinds:
            continue
        blamed = _blamed_changes(hyp, findings, topo)
        reasons = [verdict.get(c.summary) for c in blamed]
        if not blamed or not all(reasons):
            continue
        hyp.confidence = round(max(0.05, hyp.confidence - rules.penalty), 3)
        hyp.against.append(f"{UNRELATED}: {'; '.join(r for r in reasons if r)}")
    return facts

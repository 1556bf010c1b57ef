"""No harmful fixes: a write is proposed only where it can help, and never on a cleared service.

Actions are recommended hypothesis by hypothesis (``interpret.recommend``), so each carries the
service it aims at. The services the top hypothesis explains — its callers, which only report
it — are cleared: write actions aimed at them are withdrawn. When the top hypothesis itself has
no registry action that can help (a provider outside, the platform), the first recommendation is
a read-only step or an escalation (``playbooks/reasoning/harm.yaml``), and the hypothesis says
plainly that no registry action can help and what would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.investigate.context import Topology
from bot.investigate.interpret import MIN_ACTION_CONFIDENCE, first_match, recommend
from bot.investigate.models import Finding, Hypothesis, RecommendedAction
from bot.investigate.outside import OUTSIDE_PREFIX
from bot.investigate.playbook_schema import Playbook
from bot.investigate.reasoning_data import Harm, harm_rules
from bot.investigate.relevance import UNRELATED


@dataclass
class SafeAdvice:
    actions: list[RecommendedAction]
    next_steps: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # why each withdrawn action was dropped


def is_outside(hyp: Hypothesis, topo: Topology) -> bool:
    node = topo.get(hyp.service)
    outside = hyp.playbook == "reasoning:outside" or hyp.summary.startswith(OUTSIDE_PREFIX)
    return outside or node is None or node.kind == "external"


def callers_of(hyp: Hypothesis, findings: Sequence[Finding], topo: Topology) -> list[str]:
    """The services that only report ``hyp``: its dependents, else the services whose evidence
    it cites (the callers of a host outside the graph)."""
    found = [s for s in topo.dependents(hyp.service)]
    if not found:
        found = [
            f.service
            for f in findings
            if f.summary in hyp.evidence and f.service and f.service != hyp.service
        ]
    return list(dict.fromkeys(found))


def _since(hyp: Hypothesis, findings: Sequence[Finding]) -> str:
    times = [f.at for f in findings if f.summary in hyp.evidence and f.at]
    return min(times).strftime("%Y-%m-%d %H:%M UTC") if times else "an unknown time"


def _host(hyp: Hypothesis) -> str:
    marker = " to "
    if hyp.summary.startswith(OUTSIDE_PREFIX) and marker in hyp.summary:
        return hyp.summary.split(marker, 1)[1].split(" ", 1)[0]
    return hyp.service


def advice_for(
    hyp: Hypothesis, findings: Sequence[Finding], topo: Topology, rules: Harm | None = None
) -> list[str]:
    rules = rules or harm_rules()
    outside = is_outside(hyp, topo)
    steps = next(
        (
            a.steps
            for a in rules.advice
            if hyp.kind in a.kinds
            and (a.outside is None or a.outside == outside)
            and (a.when is None or first_match(a.when, findings, hyp.service, topo))
        ),
        rules.default_steps,
    )
    callers = callers_of(hyp, findings, topo)
    node = topo.get(hyp.service)
    env = {
        "service": hyp.service,
        "namespace": (node.namespace if node else None) or "its namespace",
        "host": _host(hyp),
        "callers": ", ".join(callers) or "its callers",
        "since": _since(hyp, findings),
        "evidence": (hyp.evidence[0][:160] if hyp.evidence else "see the facts"),
    }
    return [s.format(**env) for s in steps]


def _per_hypothesis(
    hypotheses: Sequence[Hypothesis],
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    topo: Topology,
) -> list[tuple[Hypothesis, RecommendedAction]]:
    out: list[tuple[Hypothesis, RecommendedAction]] = []
    seen: set[tuple[str, str]] = set()
    for hyp in hypotheses:
        for action in recommend([hyp], playbooks, findings, topo):
            key = (action.action, repr(sorted(action.params.items())))
            if key not in seen:
                seen.add(key)
                out.append((hyp, action))
    return out


def survives_restart(hyp: Hypothesis, action: RecommendedAction, rules: Harm) -> str | None:
    """Why ``action`` cannot fix ``hyp`` when it only restarts and the cause would come back."""
    if action.action not in rules.restart_actions:
        return None
    return next((p.reason for p in rules.survives_restart if hyp.kind in p.kinds), None)


def cannot_help(
    hyp: Hypothesis,
    action: RecommendedAction,
    findings: Sequence[Finding],
    topo: Topology,
    rules: Harm,
) -> str | None:
    """Why the evidence on ``hyp``'s service says ``action`` cannot help, or None."""
    for rule in rules.cannot_help:
        if action.action not in rule.actions:
            continue
        if not first_match(rule.when, findings, hyp.service, topo):
            continue
        if any(first_match(m, findings, hyp.service, topo) for m in rule.unless):
            continue
        return rule.reason
    return None


def undoes_an_unrelated_change(
    hyp: Hypothesis, action: RecommendedAction, rules: Harm
) -> str | None:
    """Why ``action`` cannot help: it undoes the change ``hyp`` blames, and change relevance found
    every change it blames probably unrelated (after the symptom, inert, elsewhere)."""
    if action.action not in rules.undo_actions:
        return None
    unrelated = [a for a in hyp.against if a.startswith(UNRELATED)]
    return unrelated[0] if unrelated else None


def recommend_safely(
    hypotheses: Sequence[Hypothesis],
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    topo: Topology,
    rules: Harm | None = None,
) -> SafeAdvice:
    rules = rules or harm_rules()
    pairs: list[tuple[Hypothesis, RecommendedAction]] = []
    withdrawn: list[str] = []
    for hyp, action in _per_hypothesis(hypotheses, playbooks, findings, topo):
        why = survives_restart(hyp, action, rules)
        if why is None:
            why = cannot_help(hyp, action, findings, topo, rules) or undoes_an_unrelated_change(
                hyp, action, rules
            )
            if why is not None:
                withdrawn.append(f"{action.action} on {hyp.service} withdrawn: {why}")
                continue
        if (
            why is None
            and action.action in rules.restart_actions
            and hyp.kind in rules.restart_behind_a_fix
            and not any(h is hyp for h, _ in pairs)
        ):
            why = "it only mitigates; with no fix proposed before it, it would be the answer"
        if why is None:
            pairs.append((hyp, action))
        else:
            withdrawn.append(
                f"{action.action} on {hyp.service} withdrawn: a restart does not fix {hyp.kind}: "
                f"{why}"
            )
    if not hypotheses:
        return SafeAdvice([a for _, a in pairs], withdrawn=withdrawn)
    top = hypotheses[0]
    cleared = set(callers_of(top, findings, topo)) - {top.service}
    kept: list[RecommendedAction] = []
    for hyp, action in pairs:
        if hyp is not top and hyp.service in cleared and action.risk in rules.write_risks:
            withdrawn.append(
                f"{action.action} on {hyp.service} withdrawn: {top.kind} on {top.service} "
                f"explains {hyp.service}'s symptoms"
            )
            continue
        kept.append(action)
    top_helps = any(h is top for h, _ in pairs)
    if top_helps or top.confidence < MIN_ACTION_CONFIDENCE:
        steps = [] if top_helps else advice_for(top, findings, topo, rules)
        return SafeAdvice(kept, steps, withdrawn)
    # the top hypothesis has no registry fix: nothing that writes on it or around it comes first
    related = {top.service, *topo.dependencies(top.service), *cleared}
    for hyp, action in pairs:
        if action in kept and hyp.service in related and action.risk in rules.write_risks:
            kept.remove(action)
            withdrawn.append(
                f"{action.action} on {hyp.service} withdrawn: it cannot fix {top.kind} on "
                f"{top.service}"
            )
    steps = advice_for(top, findings, topo, rules)
    note = (
        f" No registry action can help {top.service}; the first step is read-only or an escalation"
    )
    if cleared:
        note += f"; restarting or rolling back {', '.join(sorted(cleared))} would not help"
    if note not in top.summary:  # advice may be asked again (after the LLM's claims)
        top.summary = top.summary.rstrip(".") + "." + note + "."
    return SafeAdvice(kept, steps, withdrawn)

"""After the playbooks have ranked: reason from structure, stay never silent, propose no harm.

``conclude`` runs once per investigation, after ``interpret.rank``:

1. change relevance (``relevance``): hypotheses that blame only a change that cannot have caused
   the symptom lose rank; such changes are shown as "recent, probably unrelated: <reason>";
   then what a change kind can cause (``relevance_effects``): a change whose effect shows where
   it shows (a network policy in front of a service: its callers time out; a service's own
   configuration: it fails right after) names the changed service;
2. what the pods' own signatures say (``signature_causes``): a Pending pod whose event says a
   secret is missing is a configuration fault, not a cluster out of room;
3. causes outside (``outside``): a host that is not ours, failing in the callers' error logs,
   ranks first over the caller symptoms it explains; a caller "failing because a dependency it
   calls is down" names that dependency when its lines point to it (``point_at_dependency``);
   a cascade (``cascade``): a caller's error lines that say a deeper dependency refuses it name
   the most upstream one, which ranks above the pool exhaustion and timeouts it explains;
   where the time goes (``slow_path``): of the services whose lines time their requests as
   slow, the one the others wait on (its own work: a query, the slow path named);
4. never silent (``fallback``): a failing service no hypothesis covers gets one, with the most
   specific cause its evidence supports or "cause not identified"; the most upstream failing
   service that failed first leads; when nothing read shows a failure but an alert fires, the
   alerted service gets a low "cause not identified" in the mode the alert names; then a
   datastore refusing its clients (``datastore_refusal``): its own lines say it refuses their
   credentials, permissions or plain connections, so it leads over the clients' crashes; and
   a service slow on its own CPU (``cpu_bound``): its CPU stepped up as it became slow, with no
   more requests and nothing it calls slower first; and a dependency that went quiet while its
   callers wait (``quiet_callee``): the network path to it drops or delays their requests;
5. calibration (``calibrate.final_confidences``, the one place the rules' confidences are
   set): a single weak finding supports little, hypotheses compete for the one root cause, and
   a failure resting only on one-off error lines of a service that looks steady claims little;
6. history (``experience``, when the caller passes ``weigh``): hypotheses and fixes that worked
   or failed on similar incidents move within bounds from the calibrated values, with the
   reason in their evidence;
7. no harmful fixes (``harm``): actions are recommended per hypothesis; writes on services the
   top hypothesis clears are withdrawn, and when it has no registry fix the first
   recommendation is a read-only step or an escalation.

The rules are data in ``playbooks/reasoning/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.investigate import (
    cascade,
    cpu_bound,
    datastore_refusal,
    off_path,
    outside,
    quiet_callee,
    relevance,
    relevance_effects,
    signature_causes,
    slow_path,
)
from bot.investigate.blame import point_at_dependency
from bot.investigate.calibrate import final_confidences
from bot.investigate.classify import InvestigationTarget
from bot.investigate.context import Topology
from bot.investigate.experience import Weigh, Weighed
from bot.investigate.fallback import failing_services, from_alerts, never_silent
from bot.investigate.harm import recommend_safely
from bot.investigate.interpret import recommend
from bot.investigate.models import Fact, Finding, Hypothesis, RecommendedAction
from bot.investigate.playbook_schema import Playbook


@dataclass
class Conclusion:
    hypotheses: list[Hypothesis]
    actions: list[RecommendedAction]
    facts: list[Fact] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def order(hypotheses: Sequence[Hypothesis]) -> list[Hypothesis]:
    return sorted(hypotheses, key=lambda h: (-h.confidence, h.kind, h.service))


def conclude(
    hypotheses: Sequence[Hypothesis],
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    topo: Topology,
    target: InvestigationTarget | None = None,
    weigh: Weigh | None = None,
    steady: Mapping[str, str] | None = None,
) -> Conclusion:
    """``steady``: the services that look healthy (``steady.steady_services``), for calibration."""
    hyps = list(hypotheses)
    failing = failing_services(findings, topo)
    facts = relevance.apply(hyps, findings, failing, topo)
    hyps.extend(relevance_effects.apply(hyps, findings, failing, topo))
    hyps.extend(signature_causes.apply(hyps, findings))
    hyps.extend(outside.apply(hyps, findings, topo))
    point_at_dependency(hyps, findings, topo)
    hyps.extend(cascade.apply(hyps, findings, topo))
    hyps.extend(slow_path.apply(hyps, findings, topo))
    hyps.extend(never_silent(findings, hyps, topo))
    hyps.extend(datastore_refusal.apply(hyps, findings, topo))
    hyps.extend(cpu_bound.apply(hyps, findings, topo))
    hyps.extend(quiet_callee.apply(hyps, findings, topo))
    if target is not None:
        off_path.apply(hyps, {a.service for a in target.alerts if a.service}, topo)
    if not hyps and target is not None:  # nothing read shows a failure, yet an alert fires
        # an alert that names no failure mode, with no cause the facts support, reports none
        hyps.extend(from_alerts(target.alerts, target.root_alert, topo, findings, named=True))
    hyps = order(hyps)
    final_confidences(hyps, findings, steady=steady)
    weighed = None
    if weigh is not None:
        weighed = weigh(
            hyps, lambda h: [a.action for a in recommend([h], playbooks, findings, topo)]
        )
        hyps = order(weighed.hypotheses)
    advice = recommend_safely(hyps, playbooks, findings, topo)
    if weighed is not None:
        _with_history(advice.actions, weighed, hyps, playbooks, findings, topo)
    facts.extend(Fact(text=w, source="reasoning:harm") for w in advice.withdrawn)
    return Conclusion(hyps, advice.actions, facts, advice.next_steps)


def advise_again(
    concluded: Conclusion,
    hypotheses: Sequence[Hypothesis],
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    topo: Topology,
) -> Conclusion:
    """The no-harmful-fix rule once more when something after ``conclude`` (Claude's cited
    hypotheses) changed which hypothesis leads: a write aimed at what the new leader clears, or
    any write when it has no registry fix, must not stay first. Unchanged when the leader is."""
    # Claude's claims come capped (llm_hypotheses) and are not calibrated again: the rules'
    # hypotheses keep the confidences conclude gave them, and a claim gets no evidence boost
    ranked = list(hypotheses)
    if not ranked or (concluded.hypotheses and ranked[0] is concluded.hypotheses[0]):
        return Conclusion(ranked, concluded.actions, concluded.facts, concluded.next_steps)
    advice = recommend_safely(ranked, playbooks, findings, topo)
    facts = [*concluded.facts, *(Fact(text=w, source="reasoning:harm") for w in advice.withdrawn)]
    return Conclusion(ranked, advice.actions, facts, advice.next_steps)


def _with_history(
    actions: list[RecommendedAction],
    weighed: Weighed,
    hyps: Sequence[Hypothesis],
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    topo: Topology,
) -> None:
    """Among the actions of one hypothesis, the one history favours first; the reason in each
    action's rationale. Hypotheses keep their order (history already moved them, bounded)."""
    owner: dict[str, int] = {}
    for i, h in enumerate(hyps):
        for a in recommend([h], playbooks, findings, topo):
            owner.setdefault(a.action, i)
    shift = weighed.action_shift
    actions.sort(key=lambda a: (owner.get(a.action, len(hyps)), -shift.get(a.action, 0.0)))
    for action in actions:
        if action.action in weighed.action_notes:
            note = weighed.action_notes[action.action]
            action.history = note
            action.rationale = f"{action.rationale.rstrip('.')}. History: {note}."

"""Entry points: ``investigate_query(ctx, query)`` and ``investigate_incident(ctx, view)``.

classify (Claude may refine it) → plan → run steps in parallel → one hop down (the
dependencies of what fails, when not read yet) → interpret and conclude (a failure resting
on one-off lines of a service that looks steady claims little: ``steady``) → (with a key,
when something is left unexplained) Claude's cited hypotheses →
(a question, or an incident, the rules left with no hypothesis: an alert that names no
service they could follow) an answer from what was read (``answer``) →
store the Investigation row. Returns an ``InvestigationResult``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import lru_cache, partial

from bot import observability
from bot.investigate.classify import AlertView, InvestigationTarget, classify
from bot.investigate.context import InvestigationContext
from bot.investigate.experience import case_of
from bot.investigate.fallback import informs, names_failure
from bot.investigate.interpret import facts_from, rank
from bot.investigate.models import Fact, InvestigationResult
from bot.investigate.plan import make_plan
from bot.investigate.plan_follow import read_one_hop_down
from bot.investigate.playbook_load import load_playbooks
from bot.investigate.playbook_schema import Playbook
from bot.investigate.reasoning import advise_again, conclude
from bot.investigate.resolve import alert_says_symptom
from bot.investigate.runner import ProgressFn, run_plan
from bot.investigate.steady import steady_services
from bot.investigate.where import place


@lru_cache(maxsize=1)
def default_playbooks() -> tuple[Playbook, ...]:
    return tuple(load_playbooks())


def _run(
    ctx: InvestigationContext,
    query: str,
    incident: InvestigationTarget | None,
    playbooks: Sequence[Playbook] | None,
    on_progress: ProgressFn | None,
) -> InvestigationResult:
    books = list(playbooks or default_playbooks())
    t0 = time.monotonic()
    placed = place(ctx, query=query, incident=incident)  # the AWS account and region to read
    ctx = placed.ctx
    started = ctx.now()
    classification = classify(ctx, books, query=query, incident=incident)
    if ctx.anthropic is not None:
        from bot.investigate.llm import refine_classification

        classification = refine_classification(
            ctx, books, classification, query=query, incident=incident
        )
    plan = make_plan(
        ctx, books, classification, query=query, alerts=incident.alerts if incident else ()
    )
    run = run_plan(ctx, plan, on_progress=on_progress)
    plan = read_one_hop_down(ctx, plan, run, on_progress=on_progress)
    hypotheses = rank(
        books,
        run.findings,
        plan.scope.services,
        ctx.topology,
        selected=set(classification.playbooks),
    )
    weigh = None
    if ctx.history is not None:  # past outcomes of similar incidents move confidences, bounded
        alerts = [a.name for a in incident.alerts] if incident else []
        case = case_of(classification, run.findings, ctx.topology, alerts)
        weigh = partial(ctx.history.weigh, case)
    steady = steady_services(ctx, run.findings, incident.alerts if incident else None)
    concluded = conclude(
        hypotheses, books, run.findings, ctx.topology, incident, weigh, steady=steady
    )
    assumed = [Fact(text=classification.assumed, source="reasoning:resolve")]
    facts = [
        *(assumed if classification.assumed else []),
        *run.failures,
        *facts_from(run.findings),
        *concluded.facts,
    ]
    hypotheses = concluded.hypotheses
    if ctx.anthropic is not None:  # Claude on what the rules left unexplained; adds no action
        from bot.investigate.llm_hypotheses import explain_the_rest

        facts, hypotheses = explain_the_rest(
            ctx,
            query=query,
            facts=facts,
            hypotheses=hypotheses,
            findings=run.findings,
            targets=plan.scope.services,
            alerts=incident.alerts if incident else (),
        )
        again = advise_again(concluded, hypotheses, books, run.findings, ctx.topology)
        facts.extend(again.facts[len(concluded.facts) :])  # what the new leader withdrew
        concluded = again
    if not hypotheses:  # a question, or an alert the rules could not follow, is never silent
        from bot.investigate.answer import answer_question

        root = _root(incident)
        hypotheses = answer_question(
            ctx,
            query,
            classification,
            run.findings,
            run.steps,
            origin=f"the {root.name} alert" if root is not None else "the question",
            informs=root is not None and (informs(root) or not _reports_failure(root)),
        )
    result = InvestigationResult(
        query=query or (incident.title if incident else ""),
        classification=classification,
        facts=facts,
        hypotheses=hypotheses[:8],
        actions=concluded.actions[:6],
        next_steps=concluded.next_steps,
        steps=run.steps,
        findings=run.findings,
        started_at=started,
        duration_ms=round((time.monotonic() - t0) * 1000.0, 1),
    )
    result = placed.applied(result)
    observability.investigation_finished(result.duration_ms / 1000.0, classification.incident_class)
    if ctx.store is not None:
        from bot.investigate.service import save_result

        save_result(ctx.store, result)
    return result


def _reports_failure(alert: AlertView) -> bool:
    """An alert that names no failure mode and says nothing going wrong in its own words (a
    test alert) reports none: its service's state is read, not a failure assumed."""
    return names_failure(alert) or alert_says_symptom(alert.name, alert.summary)


def _root(incident: InvestigationTarget | None) -> AlertView | None:
    """The alert an incident is read from (its root alert, else its first); None for a question."""
    if incident is None:
        return None
    return incident.root_alert or (incident.alerts[0] if incident.alerts else None)


def investigate_query(
    ctx: InvestigationContext,
    query: str,
    *,
    playbooks: Sequence[Playbook] | None = None,
    on_progress: ProgressFn | None = None,
) -> InvestigationResult:
    """A typed query ("API latency spike in prod"). Bad queries raise UserError listing what
    can be investigated."""
    return _run(ctx, query.strip(), None, playbooks, on_progress)


def investigate_incident(
    ctx: InvestigationContext,
    incident: InvestigationTarget,
    *,
    playbooks: Sequence[Playbook] | None = None,
    on_progress: ProgressFn | None = None,
) -> InvestigationResult:
    """An incident's alerts (and its root alert) drive classification and scope."""
    if not incident.alerts:
        from bot.errors import UserError

        raise UserError("The incident has no alerts to investigate.")
    return _run(ctx, incident.title, incident, playbooks, on_progress)


__all__ = ["AlertView", "InvestigationTarget", "investigate_incident", "investigate_query"]

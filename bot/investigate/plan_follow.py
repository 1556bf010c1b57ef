"""One hop down: read what the failing services depend on when the first plan did not.

The first plan's scope is the alerted targets, what they depend on, and their direct callers.
A caller that fails in the first read (a consumer whose lag climbs, a service whose calls time
out) may wait on a dependency of its own that nobody read: a datastore at its CPU limit, a
database out of connections. The facts then show the symptom and never the cause. So after the
first read, the dependencies of every failing service that were not in scope are read with the
same steps (their state, metrics, logs, events), and their findings join the first ones.
"""

from __future__ import annotations

from dataclasses import replace

from bot.investigate.context import InvestigationContext
from bot.investigate.fallback import failing_services
from bot.investigate.plan import Plan, PlannedStep
from bot.investigate.runner import ProgressFn, RunOutput, run_plan

LABEL = "one hop down"


def one_hop_down(ctx: InvestigationContext, plan: Plan, run: RunOutput) -> Plan | None:
    """A plan over the direct dependencies of the services the first read shows failing that
    were not in its scope, or None when there are none."""
    read = set(plan.scope.services)
    failing = [f.service for f in failing_services(run.findings, ctx.topology)]
    below = [d for s in failing for d in ctx.topology.depends_on(s) if d not in read]
    services = tuple(dict.fromkeys(below))
    if not services:
        return None
    steps = [
        PlannedStep(f"{s.name} ({LABEL}: {', '.join(services)})", s.primitive, s.params, s.playbook)
        for s in plan.steps
    ]
    return Plan(scope=replace(plan.scope, services=services), steps=steps, playbooks=plan.playbooks)


def read_one_hop_down(
    ctx: InvestigationContext,
    plan: Plan,
    run: RunOutput,
    *,
    on_progress: ProgressFn | None = None,
) -> Plan:
    """Extend ``run`` in place with what the dependencies of failing services show; returns the
    plan whose scope covers everything read (the first one when nothing was added)."""
    deeper = one_hop_down(ctx, plan, run)
    if deeper is None:
        return plan
    more = run_plan(ctx, deeper, on_progress=on_progress)
    seen = {(f.type, f.service, f.summary) for f in run.findings}
    run.findings.extend(f for f in more.findings if (f.type, f.service, f.summary) not in seen)
    run.steps.extend(more.steps)
    run.failures.extend(more.failures)
    services = (*plan.scope.services, *deeper.scope.services)
    return replace(plan, scope=replace(plan.scope, services=services))

"""Authorization of every ``/aiops`` sub-command and button, in one table.

``guard(services, gate)`` wraps each service of :class:`Services` so that, before it runs, the
bot's gate (``bot.teams.access.Gate``) decides with the acting user's team roles:

* a thing of a team the user does not see → "not found" (the same words as a missing one);
* too low a role → refused, naming the role;
* every decision → the audit log.

A service this table does not name needs the viewer role in some team: a new service is never
open to strangers by accident. With isolation off (no ``teams.yaml``) everything passes, as
before. Lists filter by the same scope inside the services (``Gate.scope``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from bot.teams.access import NOWHERE, Gate, Permission, Target
from handlers.blocks.ids import FeedbackRef, JudgeRef, RatingRef
from handlers.slack.services import Actor, Services

P = Permission


def _none(*_args: Any) -> Target:
    return NOWHERE


def _incident(incident_id: int, *_rest: Any) -> Target:
    return Target(incident_id=incident_id)


def _request(raw: str, *_rest: Any) -> Target:
    # a malformed id is the service's to refuse (with its usage message)
    return Target(request_id=int(raw)) if raw.isdigit() and int(raw) > 0 else NOWHERE


def _feedback(ref: FeedbackRef | RatingRef | JudgeRef, *_rest: Any) -> Target:
    if ref.incident_id is not None:
        return Target(incident_id=ref.incident_id)
    raw = ref.investigation_id or ""
    return Target(investigation_id=int(raw)) if raw.isdigit() else NOWHERE


RULES: dict[str, tuple[Permission, Callable[..., Target]]] = {
    "list_incidents": (P.SEE, _none),
    "show_incident": (P.SEE, _incident),
    "timeline": (P.SEE, _incident),
    "acknowledge": (P.ACK, _incident),
    "resolve": (P.RESOLVE, _incident),
    "assign": (P.ASSIGN, _incident),
    "snooze": (P.SNOOZE, _incident),
    "investigate": (P.INVESTIGATE, _none),
    "investigate_incident": (P.INVESTIGATE, _incident),
    "approve": (P.APPROVE, _request),
    "reject": (P.REJECT, _request),
    "runbook_list": (P.SEE, _none),
    "runbook_run": (P.RUN_RUNBOOK, _none),
    "oncall": (P.SEE, _none),
    "slo": (P.SEE, _none),
    "capacity": (P.SEE, _none),
    "audit": (P.INVESTIGATE, _none),
    "inventory": (P.INVESTIGATE, _none),  # the whole account, not one team's data
    "inventory_ask": (P.INVESTIGATE, _none),
    "propose_fix": (P.RUN_RUNBOOK, _none),  # proposes a write (approval follows)
    "feedback": (P.FEEDBACK, _feedback),
    "rate": (P.FEEDBACK, _feedback),
    "judge": (P.FEEDBACK, _feedback),
    "fix_found": (P.RESOLVE, _incident),  # "what fixed it", given when resolving
    "home": (P.SEE, _none),
    "postmortem": (P.SEE, _incident),  # a draft of what the incident's viewers can read
}
UNGUARDED = {"dedup", "whoami", "team"}  # dedup is plumbing; whoami/team check inside
DEFAULT_RULE: tuple[Permission, Callable[..., Target]] = (P.SEE, _none)


def rule_of(name: str) -> tuple[Permission, Callable[..., Target]]:
    return RULES.get(name, DEFAULT_RULE)


def _wrap(gate: Gate, name: str, inner: Callable[..., Any]) -> Callable[..., Any]:
    permission, target_of = rule_of(name)

    def guarded(actor: Actor, *args: Any) -> Any:
        gate.check(actor.user_id, permission, target_of(*args))
        return inner(actor, *args)

    guarded.__name__ = f"guarded[{name}]"
    return guarded


def guard(services: Services, gate: Gate) -> Services:
    """``services`` with every call checked by ``gate`` first."""
    wrapped = {
        f.name: _wrap(gate, f.name, getattr(services, f.name))
        for f in fields(services)
        if f.name not in UNGUARDED
    }
    return replace(services, **wrapped)

"""The one flow every labelled outcome goes through: remediations, clicks, ratings, resolves.

- ``remediation_settled``: a verified remediation is a confirmed fix for its signature;
  ``not_recovered`` and ``rolled_back`` count against the action (a runbook run counts for or
  against the runbook);
- ``give_feedback``: 👍 / 👎 on the analysis, and "this fixed it" (the investigation's first
  recommended action and top hypothesis were right), written to the ``feedback`` table and filed
  as outcomes;
- ``rate``: a 1–5 rating of the analysis;
- ``judge``: 👍 / 👎 on one hypothesis (right / wrong cause) or one action (right / wrong fix);
- ``what_fixed_it``: the resolve modal's pick (a registry action or runbook) and free text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from bot.clock import Clock
from bot.errors import UserError
from bot.incidents import commands
from bot.incidents.flows import IncidentFlows
from bot.learn.cases import filed_under
from bot.learn.enums import REMEDIATION_VERDICT, Source, Subject, Verdict
from bot.learn.record import MAX_FIX, Label, record
from bot.store import Database, RemediationRequest

log = logging.getLogger(__name__)

FeedbackKind = Literal["up", "down", "fixed"]
RUNBOOK_ACTION = "runbook.run"
PICK_PREFIXES = {"action": Subject.ACTION, "runbook": Subject.RUNBOOK}


@dataclass(frozen=True)
class FixChoice:
    """One entry of "what fixed it": ``value`` is ``action:<name>`` or ``runbook:<name>``."""

    value: str
    label: str


def remediation_settled(
    db: Database, request: RemediationRequest, status: str, *, clock: Clock, user: str
) -> None:
    """File a remediation's end state (others, such as ``unverified``, say nothing)."""
    verdict = REMEDIATION_VERDICT.get(status)
    if verdict is None or request.id is None:
        return
    subject, fix = Subject.ACTION, request.action
    if request.action == RUNBOOK_ACTION and request.params.get("name"):
        subject, fix = Subject.RUNBOOK, str(request.params["name"])
    service = request.params.get("name") or request.params.get("service")
    record(
        db,
        Label(
            dedup_key=f"remediation:{request.id}", source=Source.REMEDIATION, subject=subject,
            fix=fix, verdict=verdict, user=user, incident_id=request.incident_id,
            investigation_id=request.investigation_id,
            service=str(service) if service and subject is Subject.ACTION else None,
            note=f"request {request.id} {status}",
        ),
        clock=clock,
    )  # fmt: skip


def give_feedback(
    flows: IncidentFlows,
    *,
    user: str,
    kind: FeedbackKind,
    incident_id: int | None,
    investigation_id: int | None,
) -> None:
    """A feedback click: the ``feedback`` row (once per user and kind; a second is a
    ``Conflict``), then the outcomes it labels."""
    commands.give_feedback(
        flows, user=user, kind=kind, incident_id=incident_id, investigation_id=investigation_id
    )
    base = f"feedback:{investigation_id or '-'}:{incident_id or '-'}:{user}:{kind}"

    def label(suffix: str, subject: Subject, fix: str, verdict: Verdict) -> None:
        record(
            flows.db,
            Label(
                dedup_key=base + suffix, source=Source.FEEDBACK, subject=subject, fix=fix,
                verdict=verdict, user=user, incident_id=incident_id,
                investigation_id=investigation_id,
            ),
            clock=flows.clock,
        )  # fmt: skip

    if kind in ("up", "down"):
        label("", Subject.ANALYSIS, "analysis", Verdict.WORKED if kind == "up" else Verdict.FAILED)
        return
    filed = filed_under(flows.db, investigation_id=investigation_id, incident_id=incident_id)
    if filed.first_action:
        label(":action", Subject.ACTION, filed.first_action, Verdict.WORKED)
    if filed.top_hypothesis:
        label(":hypothesis", Subject.HYPOTHESIS, filed.top_hypothesis, Verdict.WORKED)


def rate(
    db: Database,
    clock: Clock,
    *,
    user: str,
    rating: int,
    incident_id: int | None,
    investigation_id: int | None,
) -> None:
    """A 1–5 rating of the analysis (4 and 5 count as helpful, 1 and 2 as not)."""
    if not 1 <= rating <= 5:
        raise UserError(f"a rating is 1 to 5, not {rating}")
    verdict = Verdict.WORKED if rating >= 4 else Verdict.FAILED if rating <= 2 else Verdict.NEUTRAL
    label = Label(
        dedup_key=f"rating:{investigation_id or '-'}:{incident_id or '-'}:{user}",
        source=Source.FEEDBACK, subject=Subject.ANALYSIS, fix="analysis", verdict=verdict,
        user=user, incident_id=incident_id, investigation_id=investigation_id, rating=rating,
    )  # fmt: skip
    if record(db, label, clock=clock) is None:
        raise UserError("You already rated this analysis; thanks!")


def judge(
    db: Database,
    clock: Clock,
    *,
    user: str,
    about: Literal["hypothesis", "action"],
    name: str,
    right: bool,
    incident_id: int | None,
    investigation_id: int | None,
) -> None:
    """👍 / 👎 on one hypothesis (by its kind: the right or wrong cause) or one recommended
    action (by its name: the right or wrong fix) for this incident."""
    subject = Subject.HYPOTHESIS if about == "hypothesis" else Subject.ACTION
    label = Label(
        dedup_key=f"{about}:{investigation_id or '-'}:{incident_id or '-'}:{user}:{name}",
        source=Source.FEEDBACK, subject=subject, fix=name,
        verdict=Verdict.WORKED if right else Verdict.FAILED, user=user,
        incident_id=incident_id, investigation_id=investigation_id,
    )  # fmt: skip
    record(db, label, clock=clock)


def parse_pick(pick: str) -> tuple[Subject, str]:
    """``action:<name>`` / ``runbook:<name>`` → (subject, name); anything else is a UserError."""
    prefix, _, name = pick.partition(":")
    if prefix not in PICK_PREFIXES or not name.strip():
        raise UserError(f"not a fix I know: {pick!r}", hint="pick one from the list")
    return PICK_PREFIXES[prefix], name.strip()


def what_fixed_it(
    db: Database,
    clock: Clock,
    *,
    user: str,
    incident_id: int,
    pick: str | None,
    text: str | None,
) -> list[str]:
    """The resolve modal's answer: a picked registry action or runbook and/or free text, each a
    confirmed fix for the incident's signature. Returns what was recorded."""
    recorded: list[str] = []
    if pick:
        subject, name = parse_pick(pick)
        label = Label(
            dedup_key=f"resolve:{incident_id}:{subject}", source=Source.RESOLVE, subject=subject,
            fix=name, verdict=Verdict.WORKED, user=user, incident_id=incident_id,
        )  # fmt: skip
        if record(db, label, clock=clock) is not None:
            recorded.append(f"{subject} {name}")
    if text and text.strip():
        label = Label(
            dedup_key=f"resolve:{incident_id}:text", source=Source.RESOLVE, subject=Subject.TEXT,
            fix=text.strip()[:MAX_FIX], verdict=Verdict.WORKED, user=user,
            incident_id=incident_id, note=text.strip(),
        )  # fmt: skip
        if record(db, label, clock=clock) is not None:
            recorded.append(f"“{text.strip()[:80]}”")
    return recorded


def fix_choices() -> list[FixChoice]:
    """The options of "what fixed it": every registry action, then every live runbook (the
    synced git repository's when one is configured, else the shipped folder)."""
    from bot.remediate import registry
    from bot.remediate.runbooks_live import LIVE

    out = [FixChoice(f"action:{a.name}", f"{a.name} — {a.summary}") for a in registry.all_actions()]
    try:
        books = LIVE.current().books
    except UserError as exc:  # a broken runbook folder must not hide the actions
        log.warning("runbooks not offered as fixes: %s", exc)
        books = {}
    out += [FixChoice(f"runbook:{n}", f"runbook {n} — {b.description or ''}".rstrip(" —"))
            for n, b in sorted(books.items())]  # fmt: skip
    return out

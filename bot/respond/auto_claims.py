"""The claim of an incident's automatic investigation, in the database.

One ``AutoInvestigation`` row per incident. The first run inserts it (the primary key decides
between replicas); a later run takes it over only when the last claim is older than the
policy's cooldown (a conditional update: one winner). So an incident that grows starts no second
run within the cooldown, across restarts and replicas alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.store import (
    AutoInvestigation,
    Database,
    Investigation,
    RemediationRequest,
    TimelineEvent,
)


def claim(
    db: Database, incident_id: int, *, policy: str, now: datetime, cooldown: timedelta, by: str
) -> bool:
    """True for exactly one caller per cooldown window of ``incident_id``."""
    with db.session() as s:
        taken = s.execute(
            update(AutoInvestigation)
            .where(
                col(AutoInvestigation.incident_id) == incident_id,
                col(AutoInvestigation.claimed_at) <= now - cooldown,
            )
            .values(
                claimed_at=now,
                claimed_by=by[:64],
                policy=policy[:64],
                runs=AutoInvestigation.runs + 1,
                investigation_id=None,
                top_line="",
            )
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if s.get(AutoInvestigation, incident_id) is not None:
            return False  # claimed within the cooldown
    try:
        with db.session() as s:
            s.add(AutoInvestigation(incident_id=incident_id, policy=policy[:64], claimed_at=now,
                                    claimed_by=by[:64]))  # fmt: skip
    except IntegrityError:  # another replica inserted it first
        return False
    return True


def cooling(db: Database, incident_id: int, *, now: datetime, cooldown: timedelta) -> bool:
    """True while the last claim of the incident is within ``cooldown`` (a read; ``claim``
    still decides between racing callers)."""
    row = claim_of(db, incident_id)
    return row is not None and row.claimed_at > now - cooldown


def finished(db: Database, incident_id: int, investigation_id: int, top_line: str) -> None:
    """Record which investigation the current claim produced, and its top hypothesis."""
    with db.session() as s:
        s.execute(
            update(AutoInvestigation)
            .where(col(AutoInvestigation.incident_id) == incident_id)
            .values(investigation_id=investigation_id, top_line=top_line)
        )


def label_of(db: Database, incident_id: int) -> str | None:
    """ "Investigated automatically (policy …): <top hypothesis>" once a run has finished."""
    row = claim_of(db, incident_id)
    if row is None or row.investigation_id is None:
        return None
    return f"Investigated automatically (policy {row.policy}): {row.top_line}"


def claim_of(db: Database, incident_id: int) -> AutoInvestigation | None:
    with db.session() as s:
        return s.get(AutoInvestigation, incident_id)


@dataclass(frozen=True)
class AutoOutcome:
    """What an incident's automatic investigation did, as stored: its policy, top line, the
    investigation (facts, hypotheses, actions, next steps), what it proposed and in which state,
    or why it failed."""

    policy: str
    top_line: str
    incident_class: str = ""
    facts: tuple[str, ...] = ()
    hypotheses: tuple[dict[str, Any], ...] = ()
    actions: tuple[dict[str, Any], ...] = ()
    next_steps: tuple[str, ...] = ()
    requests: tuple[tuple[str, str], ...] = ()  # (action, state) proposed as the bot
    failed: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"policy": self.policy}
        if self.failed is not None:
            return {**out, "failed": self.failed}
        return {
            **out,
            "top_line": self.top_line,
            "incident_class": self.incident_class,
            "facts": list(self.facts),
            "hypotheses": list(self.hypotheses),
            "actions": list(self.actions),
            "next_steps": list(self.next_steps),
            "requests": [{"action": a, "state": s} for a, s in self.requests],
        }


def outcome_of(db: Database, incident_id: int) -> AutoOutcome | None:
    """The incident's automatic investigation, or None when none was claimed."""
    with db.session() as s:
        row = s.get(AutoInvestigation, incident_id)
        if row is None:
            return None
        if row.investigation_id is None:  # claimed, never finished: the timeline says why
            failed = s.exec(
                select(TimelineEvent.text)
                .where(TimelineEvent.incident_id == incident_id,
                       TimelineEvent.kind == "investigation")
                .order_by(col(TimelineEvent.id).desc())
            ).first()  # fmt: skip
            return AutoOutcome(row.policy, "", failed=failed or "did not finish")
        inv = s.get(Investigation, row.investigation_id)
        requests = s.exec(
            select(RemediationRequest.action, RemediationRequest.state)
            .where(RemediationRequest.investigation_id == row.investigation_id)
            .order_by(col(RemediationRequest.id))
        ).all()
        return AutoOutcome(
            row.policy, row.top_line,
            incident_class=(inv.incident_class or "") if inv else "",
            facts=tuple(f.get("text", "") for f in (inv.facts if inv else [])),
            hypotheses=tuple(inv.hypotheses if inv else []),
            actions=tuple(inv.actions if inv else []),
            next_steps=tuple(inv.next_steps if inv else []),
            requests=tuple((a, st) for a, st in requests),
        )  # fmt: skip

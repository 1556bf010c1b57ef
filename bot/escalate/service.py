"""Escalation rows: policies (synced from the file), timers, and the atomic claim.

A timer's life: created (due_at) → claimed (claimed_by, claimed_at) → fired (fired_at) or
cancelled (cancelled_at). ``claim_due`` takes due rows that are unclaimed, or whose claim is older
than the lease (the replica holding it died), in one statement:

    UPDATE escalationtimer SET claimed_by=:me, claimed_at=:now
    WHERE id IN (SELECT id … WHERE due … ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED)
    RETURNING …

On Postgres ``SKIP LOCKED`` lets replicas claim disjoint rows without waiting; on SQLite the
statement runs inside ``BEGIN IMMEDIATE`` (one writer at a time). ``complete`` is a
compare-and-set on ``claimed_by``: a replica whose claim was taken over cannot fire the timer too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, update
from sqlmodel import Session, col, select

from bot.escalate import wakeup
from bot.escalate.models import EscalationFile, levels_from_json
from bot.ingest.pagerduty import PAGERDUTY_KEY_LABEL
from bot.store import (
    Alert,
    Database,
    EscalationPolicy,
    EscalationTimer,
    Incident,
    Notification,
    Team,
)

T = EscalationTimer


@dataclass(frozen=True)
class ClaimedTimer:
    id: int
    incident_id: int
    policy_id: int | None
    level: int
    round: int
    due_at: datetime


# ------------------------------------------------------------------ policies
def sync_policies(session: Session, config: EscalationFile) -> dict[str, int]:
    """Upsert the file's policies by name and point each listed team at its policy."""
    ids: dict[str, int] = {}
    for spec in config.policies:
        row = session.exec(
            select(EscalationPolicy).where(EscalationPolicy.name == spec.name)
        ).first()
        if row is None:
            row = EscalationPolicy(name=spec.name)
        row.levels = spec.to_levels_json()
        row.repeat = spec.repeat
        session.add(row)
        session.flush()
        assert row.id is not None
        ids[spec.name] = row.id
        for team_name in spec.teams:
            team = session.exec(select(Team).where(Team.name == team_name)).first()
            if team is None:
                team = Team(name=team_name)
            team.escalation_policy_id = row.id
            session.add(team)
    return ids


def policy_for(
    session: Session, incident: Incident, default_policy: str | None
) -> EscalationPolicy | None:
    if incident.escalation_policy:  # chosen at ingest from services.yaml
        named = session.exec(
            select(EscalationPolicy).where(EscalationPolicy.name == incident.escalation_policy)
        ).first()
        if named is not None:
            return named
    if incident.team_id is not None:
        team = session.get(Team, incident.team_id)
        if team is not None and team.escalation_policy_id is not None:
            return session.get(EscalationPolicy, team.escalation_policy_id)
    if default_policy:
        return session.exec(
            select(EscalationPolicy).where(EscalationPolicy.name == default_policy)
        ).first()
    return None


def offsets(policy: EscalationPolicy) -> list[tuple[int, int, timedelta]]:
    """(level, round, offset from the start) of every step of the policy, in order."""
    levels = levels_from_json(policy.levels)
    cycle = sum((lv.escalate_after for lv in levels), timedelta(0))
    out = []
    for rnd in range(policy.repeat + 1):
        at = cycle * rnd
        for n, level in enumerate(levels, start=1):
            out.append((n, rnd, at))
            at += level.escalate_after
    return out


# ------------------------------------------------------------------ timers
def schedule_timers(
    session: Session, incident_id: int, policy: EscalationPolicy, start: datetime
) -> int:
    """Create the incident's timers (idempotent: existing level/round rows are kept)."""
    existing = {
        (lv, rnd)
        for lv, rnd in session.exec(
            select(T.level, T.round).where(T.incident_id == incident_id)
        ).all()
    }
    created, first_due = 0, None
    for level, rnd, offset in offsets(policy):
        if (level, rnd) in existing:
            continue
        due = start + offset
        first_due = due if first_due is None else min(first_due, due)
        session.add(
            T(
                incident_id=incident_id,
                policy_id=policy.id,
                level=level,
                round=rnd,
                due_at=due,
            )
        )
        created += 1
    if first_due is not None:  # every replica's workers wake for it once the rows are visible
        wakeup.announce_due(session, first_due)
    return created


def next_due(db: Database, *, lease: timedelta) -> datetime | None:
    """When the next pending timer becomes claimable (one query over the pending rows).

    That is the earliest ``due_at`` of the unclaimed timers, or ``claimed_at + lease`` of the
    earliest claim (a replica that died holding it is taken over then); None when nothing is
    pending."""
    pending = and_(col(T.fired_at).is_(None), col(T.cancelled_at).is_(None))
    unclaimed = col(T.claimed_by).is_(None)
    stmt = select(
        func.min(case((unclaimed, col(T.due_at)))),
        func.min(case((~unclaimed, col(T.claimed_at)))),
    ).where(pending)
    with db.session() as s:
        due, claimed = s.exec(stmt).one()
    candidates = [t for t in (due, claimed + lease if claimed else None) if t is not None]
    return min(candidates, default=None)


def claim_due(
    db: Database, *, now: datetime, worker_id: str, lease: timedelta, limit: int = 50
) -> list[ClaimedTimer]:
    """Claim up to ``limit`` due timers for ``worker_id``; safe with any number of replicas."""
    due = (
        select(T.id)
        .where(
            col(T.fired_at).is_(None),
            col(T.cancelled_at).is_(None),
            T.due_at <= now,
            or_(col(T.claimed_by).is_(None), col(T.claimed_at) < now - lease),
        )
        .order_by(col(T.due_at), col(T.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(T)
        .where(col(T.id).in_(due.scalar_subquery()))
        .values(claimed_by=worker_id, claimed_at=now)
        .returning(
            col(T.id),
            col(T.incident_id),
            col(T.policy_id),
            col(T.level),
            col(T.round),
            col(T.due_at),
        )
    )
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        rows = conn.execute(stmt).all()
        conn.commit()
    claimed = [ClaimedTimer(*row) for row in rows]
    return sorted(claimed, key=lambda c: (c.due_at, c.id))


def _mine(timer_id: int, worker_id: str) -> ColumnElement[bool]:
    return and_(
        col(T.id) == timer_id,
        col(T.claimed_by) == worker_id,
        col(T.fired_at).is_(None),
        col(T.cancelled_at).is_(None),
    )


def complete(session: Session, timer_id: int, worker_id: str, now: datetime) -> bool:
    """Mark fired if this worker still holds the claim; False if it was taken over or cancelled."""
    result = session.execute(update(T).where(_mine(timer_id, worker_id)).values(fired_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def drop(session: Session, timer_id: int, worker_id: str, now: datetime) -> bool:
    """Cancel a claimed timer that must not fire (incident no longer waiting for an ack)."""
    result = session.execute(update(T).where(_mine(timer_id, worker_id)).values(cancelled_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_pending(session: Session, incident_id: int, now: datetime) -> int:
    result = session.execute(
        update(T)
        .where(
            col(T.incident_id) == incident_id,
            col(T.fired_at).is_(None),
            col(T.cancelled_at).is_(None),
        )
        .values(cancelled_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def shift_pending(session: Session, incident_id: int, delta: timedelta) -> int:
    """Push every pending timer of the incident later (snooze keeps the spacing of the levels)."""
    pending = session.exec(
        select(T).where(
            T.incident_id == incident_id, col(T.fired_at).is_(None), col(T.cancelled_at).is_(None)
        )
    ).all()
    for timer in pending:
        timer.due_at = timer.due_at + delta
        session.add(timer)
    return len(pending)


def pending_levels(session: Session, incident_id: int) -> list[EscalationTimer]:
    return list(
        session.exec(
            select(T)
            .where(
                T.incident_id == incident_id,
                col(T.fired_at).is_(None),
                col(T.cancelled_at).is_(None),
            )
            .order_by(col(T.due_at))
        ).all()
    )


# ------------------------------------------------------------------ our pages
def incident_paged_as(db: Database, dedup_key: str | None) -> int | None:
    """The incident whose PagerDuty page carries ``dedup_key`` (None: not one of ours)."""
    if not dedup_key:
        return None
    with db.session() as session:
        stmt = select(Incident.id).where(Incident.pagerduty_dedup_key == dedup_key)
        return session.exec(stmt).first()


def adopt_page_key(session: Session, incident: Incident) -> str | None:
    """The incident's PagerDuty dedup key; an incident opened by a PagerDuty page adopts that
    page's key (once, a conditional update), so acks, resolves and notes reach the same page
    instead of opening a second one. None: no key yet (aiops mints one when it pages)."""
    if incident.pagerduty_dedup_key or incident.id is None:
        return incident.pagerduty_dedup_key
    stmt = select(Alert).where(Alert.incident_id == incident.id, Alert.source == "pagerduty")
    key = next((a.labels.get(PAGERDUTY_KEY_LABEL) for a in session.exec(stmt)), None)
    if not key:
        return None
    session.execute(
        update(Incident)
        .where(col(Incident.id) == incident.id, col(Incident.pagerduty_dedup_key).is_(None))
        .values(pagerduty_dedup_key=key)
    )
    session.refresh(incident)
    return incident.pagerduty_dedup_key


def known_to_pagerduty(session: Session, incident: Incident) -> bool:
    """True when PagerDuty has a page for the incident: we paged it, or it came from a page."""
    key = incident.pagerduty_dedup_key
    if not key:
        return False
    if not key.startswith("aiops-"):
        return True
    paged = session.exec(
        select(Notification.id).where(
            Notification.incident_id == incident.id,
            Notification.channel == "pagerduty",
            Notification.status == "sent",
        )
    ).first()
    return paged is not None

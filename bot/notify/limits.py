"""Rate limiting, consolidation and snooze, all read from stored rows (no in-memory state, so
every replica sees the same counts).

- Rate limit: at most N notifications per hour per (alert pattern, channel, target). The pattern
  is the incident's ``group_key`` (the correlation key), or the incident itself when it has none.
- Consolidation: a notification over the limit is stored as ``suppressed``; the next one that
  goes out says how many were folded into it.
- Snooze: a ``snooze`` TimelineEvent with ``data.until``; the newest snooze/unsnooze wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from bot.store import Incident, Notification, TimelineEvent

SNOOZE_KINDS = ("snooze", "unsnooze")


def _same_pattern(session: Session, incident_id: int) -> list[int]:
    incident = session.get(Incident, incident_id)
    if incident is None or not incident.group_key:
        return [incident_id]
    ids = session.exec(select(Incident.id).where(Incident.group_key == incident.group_key)).all()
    return [i for i in ids if i is not None]


def recent_count(
    session: Session, *, incident_id: int, channel: str, target: str, since: datetime
) -> tuple[int, int]:
    """(sent in the window, suppressed since the last sent) for this pattern, channel, target."""
    ids = _same_pattern(session, incident_id)
    base = (
        select(func.count())
        .select_from(Notification)
        .where(
            col(Notification.incident_id).in_(ids),
            Notification.channel == channel,
            Notification.target == target,
        )
    )
    sent = session.exec(
        base.where(Notification.status == "sent", col(Notification.sent_at) >= since)
    ).one()
    last_sent = session.exec(
        select(func.max(Notification.sent_at)).where(
            col(Notification.incident_id).in_(ids),
            Notification.channel == channel,
            Notification.target == target,
            Notification.status == "sent",
        )
    ).one()
    folded = base.where(Notification.status == "suppressed", Notification.error == "rate limited")
    if last_sent is not None:
        folded = folded.where(col(Notification.created_at) > last_sent)
    return int(sent), int(session.exec(folded).one())


def snoozed_until(session: Session, incident_id: int, now: datetime) -> datetime | None:
    """When the incident's snooze ends, if it is snoozed at ``now``."""
    latest = session.exec(
        select(TimelineEvent)
        .where(
            TimelineEvent.incident_id == incident_id,
            col(TimelineEvent.kind).in_(SNOOZE_KINDS),
        )
        .order_by(col(TimelineEvent.at).desc(), col(TimelineEvent.id).desc())
        .limit(1)
    ).first()
    if latest is None or latest.kind != "snooze":
        return None
    until = datetime.fromisoformat(str(latest.data.get("until")))
    return until if until > now else None


def record_snooze(
    session: Session, incident_id: int, *, until: datetime | None, by: str, now: datetime
) -> TimelineEvent:
    """Write the snooze (``until``) or its end (``None``) on the incident's timeline."""
    if until is None:
        event = TimelineEvent(
            incident_id=incident_id, at=now, kind="unsnooze", actor=by, text="Snooze lifted"
        )
    else:
        left = until - now
        event = TimelineEvent(
            incident_id=incident_id,
            at=now,
            kind="snooze",
            actor=by,
            text=f"Notifications snoozed until {until:%Y-%m-%d %H:%M} UTC ({_human(left)})",
            data={"until": until.isoformat()},
        )
    session.add(event)
    return event


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"

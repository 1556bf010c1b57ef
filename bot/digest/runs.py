"""Run keys: the week's digest is claimed with a unique ``Job`` row (kind="digest",
key="2025-W11") before anything is posted, so two replicas (or a cron tick and a catch-up)
post it once.

States: ``running`` (claimed) → ``done``; a failure before anything was posted → ``failed``,
which a later tick may claim again (up to ``MAX_ATTEMPTS``). A claim whose lease ran out is
taken over only if the payload does not say the message was posted (``posted``), so a crash
after posting never posts a second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.store import Database, Job

KIND = "digest"
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=15)


def claim(db: Database, key: str, *, owner: str, now: datetime, lease: timedelta = LEASE) -> bool:
    """True for exactly one caller per key (until it fails); False when taken or done."""
    try:
        with db.session() as session:
            session.add(
                Job(
                    kind=KIND,
                    key=key,
                    state="running",
                    claimed_by=owner,
                    lease_until=now + lease,
                    attempts=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        return _take_over(db, key, owner=owner, now=now, lease=lease)
    return True


def _take_over(db: Database, key: str, *, owner: str, now: datetime, lease: timedelta) -> bool:
    with db.session() as session:
        job = session.exec(select(Job).where(Job.kind == KIND, Job.key == key)).one_or_none()
        if job is None or job.state == "done" or job.attempts >= MAX_ATTEMPTS:
            return False
        if (job.payload or {}).get("posted"):
            return False
        stmt = (
            update(Job)
            .where(col(Job.id) == job.id, col(Job.attempts) == job.attempts)
            .where(
                or_(
                    col(Job.state) == "failed",
                    (col(Job.state) == "running") & (col(Job.lease_until) < now),
                )
            )
            .values(
                state="running",
                claimed_by=owner,
                lease_until=now + lease,
                attempts=job.attempts + 1,
                updated_at=now,
                error=None,
            )
        )
        return session.exec(stmt).rowcount == 1  # type: ignore[call-overload,attr-defined]


def _set(db: Database, key: str, now: datetime, **values: Any) -> None:
    with db.session() as session:
        stmt = update(Job).where(col(Job.kind) == KIND, col(Job.key) == key)
        session.exec(stmt.values(updated_at=now, **values))  # type: ignore[call-overload]


def mark_posted(db: Database, key: str, *, now: datetime, ref: str) -> None:
    _set(db, key, now, payload={"posted": ref})


def finish(db: Database, key: str, *, now: datetime) -> None:
    _set(db, key, now, state="done", lease_until=None)


def fail(db: Database, key: str, *, now: datetime, error: str) -> None:
    _set(db, key, now, state="failed", error=error[:2000], lease_until=None)


def state_of(db: Database, key: str) -> Job | None:
    with db.session() as session:
        return session.exec(select(Job).where(Job.kind == KIND, Job.key == key)).one_or_none()

"""Append-only, tamper-evident audit log: each entry carries the hash of the previous one.

``append`` retries when another writer won the race for the same previous hash (the unique
constraint on ``prev_hash`` makes forks impossible); ``verify_chain`` recomputes every hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.clock import Clock, SystemClock
from bot.store import AuditEntry, Database, RemediationRequest

GENESIS = "genesis"


def _digest(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    params: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    result: str,
    detail: str,
) -> str:
    body = json.dumps(
        [prev_hash, at.isoformat(), actor, action, target, params, before, after, result, detail],
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    db: Database,
    *,
    actor: str,
    action: str,
    target: str = "",
    params: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: str = "",
    detail: str = "",
    clock: Clock | None = None,
) -> AuditEntry:
    clock = clock or SystemClock()
    params, before, after = params or {}, before or {}, after or {}
    for _ in range(20):
        try:
            with db.session() as s:
                last = s.exec(
                    select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)
                ).first()
                prev = last.hash if last else GENESIS
                at = clock.now().replace(microsecond=0)
                entry = AuditEntry(
                    at=at,
                    actor=actor,
                    action=action,
                    target=target,
                    params=params,
                    before=before,
                    after=after,
                    result=result,
                    detail=detail,
                    prev_hash=prev,
                    hash=_digest(
                        prev, at, actor, action, target, params, before, after, result, detail
                    ),
                )
                s.add(entry)
            return entry
        except IntegrityError:
            continue  # another writer appended first; chain onto theirs
    raise RuntimeError("audit log: could not append after 20 attempts")


def of_request(
    db: Database,
    req: RemediationRequest,
    *,
    actor: str,
    step: str,
    result: str,
    detail: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    clock: Clock | None = None,
) -> AuditEntry:
    """The entry of one step on a remediation request (``remediation.<step>``: propose,
    approve, reject, execute, or the state it ended in), naming the request's action and
    parameters: the one way the remediation flows append."""
    return append(
        db, actor=actor, action=f"remediation.{step}", target=req.action, params=req.params,
        before=before, after=after, result=result, detail=detail, clock=clock,
    )  # fmt: skip


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(db: Database) -> ChainReport:
    prev = GENESIS
    n = 0
    with db.session() as s:
        for e in s.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
            n += 1
            if e.prev_hash != prev:
                return ChainReport(n, False, e.id, "previous-hash link broken")
            want = _digest(
                e.prev_hash,
                e.at,
                e.actor,
                e.action,
                e.target,
                e.params,
                e.before,
                e.after,
                e.result,
                e.detail,
            )
            if want != e.hash:
                return ChainReport(n, False, e.id, "entry content does not match its hash")
            prev = e.hash
    return ChainReport(n, True)


def export(db: Database, since: datetime | None = None) -> Iterator[str]:
    with db.session() as s:
        q = select(AuditEntry).order_by(col(AuditEntry.id))
        if since is not None:
            q = q.where(col(AuditEntry.at) >= since)
        for e in s.exec(q):
            yield json.dumps(e.model_dump(mode="json"), sort_keys=True)

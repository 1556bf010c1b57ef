"""Durable timers on SQLite and Postgres: exclusive claims, lease takeover, ack cancels."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.escalate import service
from bot.escalate.config import parse_escalation
from bot.store import Database, EscalationPolicy, EscalationTimer, Incident

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)

POLICY = """
policies:
  - name: p
    teams: [t]
    repeat: 1
    levels:
      - {escalate_after: 5m, targets: [{kind: pagerduty}]}
      - {escalate_after: 10m, targets: [{kind: email, ref: a@example.com}]}
"""


def _incident(db: Database) -> int:
    with db.session() as s:
        inc = Incident(title="x", severity="critical")
        s.add(inc)
        s.flush()
        assert inc.id is not None
        return inc.id


def _policy(db: Database) -> EscalationPolicy:
    with db.session() as s:
        ids = service.sync_policies(s, parse_escalation(POLICY))
        found = s.get(EscalationPolicy, ids["p"])
        assert found is not None
        return found


def test_timers_follow_the_policy_and_are_created_once(database: Database) -> None:
    iid, policy = _incident(database), _policy(database)
    with database.session() as s:
        assert service.schedule_timers(s, iid, policy, NOW) == 4
    with database.session() as s:
        assert service.schedule_timers(s, iid, policy, NOW) == 0
        rows = service.pending_levels(s, iid)
    got = [(t.level, t.round, (t.due_at - NOW).total_seconds() / 60) for t in rows]
    assert got == [(1, 0, 0), (2, 0, 5), (1, 1, 15), (2, 1, 20)]


def test_concurrent_claims_never_overlap(database: Database) -> None:
    policy = _policy(database)
    for _ in range(15):
        iid = _incident(database)
        with database.session() as s:
            service.schedule_timers(s, iid, policy, NOW - timedelta(hours=1))
    claims: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while got := service.claim_due(database, now=NOW, worker_id=name, lease=LEASE, limit=3):
            mine += [c.id for c in got]
        claims[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    every = [i for ids in claims.values() for i in ids]
    assert len(every) == len(set(every)) == 60
    assert sum(1 for ids in claims.values() if ids) >= 2  # the work was really shared


def test_only_due_rows_are_claimed(database: Database) -> None:
    iid, policy = _incident(database), _policy(database)
    with database.session() as s:
        service.schedule_timers(s, iid, policy, NOW)
    got = service.claim_due(database, now=NOW + timedelta(minutes=6), worker_id="a", lease=LEASE)
    assert [(c.level, c.round) for c in got] == [(1, 0), (2, 0)]


def test_a_dead_workers_claim_is_taken_over_after_the_lease(database: Database) -> None:
    iid, policy = _incident(database), _policy(database)
    with database.session() as s:
        service.schedule_timers(s, iid, policy, NOW)
    (first,) = service.claim_due(database, now=NOW, worker_id="dead", lease=LEASE)
    assert service.claim_due(database, now=NOW + LEASE / 2, worker_id="b", lease=LEASE) == []
    later = NOW + LEASE + timedelta(seconds=1)
    (taken,) = service.claim_due(database, now=later, worker_id="b", lease=LEASE)
    assert taken.id == first.id
    with database.session() as s:
        assert not service.complete(s, first.id, "dead", later)  # the old owner cannot fire it
        assert service.complete(s, taken.id, "b", later)
    with database.session() as s:
        assert not service.complete(s, taken.id, "b", later)  # and nobody fires it twice
        row = s.get(EscalationTimer, first.id)
        assert row is not None and row.fired_at == later and row.claimed_by == "b"


def test_cancel_and_shift_only_touch_pending_levels(database: Database) -> None:
    iid, policy = _incident(database), _policy(database)
    with database.session() as s:
        service.schedule_timers(s, iid, policy, NOW)
    (first,) = service.claim_due(database, now=NOW, worker_id="a", lease=LEASE)
    with database.session() as s:
        service.complete(s, first.id, "a", NOW)
    with database.session() as s:
        assert service.shift_pending(s, iid, timedelta(hours=1)) == 3
    with database.session() as s:
        dues = [t.due_at - NOW for t in service.pending_levels(s, iid)]
        assert dues[0] == timedelta(minutes=65)
        assert service.cancel_pending(s, iid, NOW) == 3
    with database.session() as s:
        assert service.pending_levels(s, iid) == []
        assert (
            service.claim_due(database, now=NOW + timedelta(days=1), worker_id="a", lease=LEASE)
            == []
        )

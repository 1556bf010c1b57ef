"""Due-time wakeups on SQLite and Postgres: timers fire when due, not on the next safety poll.

The real worker runs in its own thread, attached to a real APScheduler scheduler as ``aiops run``
does, with a safety poll of 30 s; levels notify a local webhook over HTTP. Bounds are generous
(a loaded machine) but far below the poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import col, select

from bot.clock import SystemClock
from bot.config import load_settings
from bot.escalate import service
from bot.escalate.config import parse_escalation
from bot.escalate.flows import Paging
from bot.escalate.jobs import EscalationWorker, schedule
from bot.escalate.setup import build_paging
from bot.store import Database, EscalationTimer, Incident, Team
from tests.integration.notify.receiver import Receiver

POLL_S = 30.0
BOUND_S = 1.5
LEASE = timedelta(seconds=60)

POLICY = """
policies:
  - name: fast
    teams: [fast]
    levels:
      - {escalate_after: 0.5s, targets: [{kind: webhook}]}
      - {escalate_after: 0.5s, targets: [{kind: webhook}]}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def paging(database: Database, receiver: Receiver) -> Paging:
    settings = load_settings(aiops_notify_webhook_url=receiver.url, aiops_notify_backoff_s=0.01)
    return build_paging(settings, database, clock=SystemClock(), config=parse_escalation(POLICY))


@pytest.fixture
def running(paging: Paging) -> Iterator[EscalationWorker]:
    """A worker asleep on a 30 s poll, attached to a running scheduler."""
    scheduler = BackgroundScheduler(timezone="UTC")
    worker = EscalationWorker(paging, worker_id="w1", lease=LEASE)
    schedule(scheduler, worker, POLL_S)
    scheduler.start()
    time.sleep(0.3)  # its first pass found nothing due: it now sleeps for the poll
    yield worker
    scheduler.shutdown(wait=False)
    worker.stop(wait=10)


def _open(db: Database, paging: Paging) -> int:
    with db.session() as s:
        team = s.exec(select(Team).where(Team.name == "fast")).one()
        inc = Incident(title="api down", severity="critical", team_id=team.id)
        s.add(inc)
        s.flush()
    paging.on_incident_opened(inc)
    assert inc.id is not None
    return inc.id


def _fired(db: Database, incident_id: int, count: int, within_s: float) -> list[EscalationTimer]:
    deadline = time.monotonic() + within_s
    while True:
        with db.session() as s:
            rows = s.exec(
                select(EscalationTimer)
                .where(
                    EscalationTimer.incident_id == incident_id,
                    col(EscalationTimer.fired_at).is_not(None),
                )
                .order_by(col(EscalationTimer.level))
            ).all()
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.05)


def test_levels_fire_at_their_due_time_not_at_the_poll(
    running: EscalationWorker, database: Database, paging: Paging, receiver: Receiver
) -> None:
    incident_id = _open(database, paging)  # level 1 due now, level 2 in 0.5 s
    fired = _fired(database, incident_id, 2, within_s=3 * BOUND_S)
    assert [t.level for t in fired] == [1, 2]
    for timer in fired:
        assert timer.fired_at is not None
        assert (timer.fired_at - timer.due_at).total_seconds() < BOUND_S
    assert len(receiver.received) == 2


def test_a_timer_from_another_replica_is_seen_within_the_safety_poll(
    paging: Paging, database: Database
) -> None:
    """Rows written by another process announce nothing here: the poll bounds the wait."""
    scheduler = BackgroundScheduler(timezone="UTC")
    worker = EscalationWorker(paging, worker_id="w1", lease=LEASE)
    schedule(scheduler, worker, 0.2)
    scheduler.start()
    try:
        time.sleep(0.3)
        with database.session() as s:
            inc = Incident(title="disk full", severity="critical")
            s.add(inc)
            s.flush()
            assert inc.id is not None
            policy_id = s.exec(select(Team.escalation_policy_id)).first()
            s.add(EscalationTimer(incident_id=inc.id, policy_id=policy_id, level=1, due_at=now()))
        (timer,) = _fired(database, inc.id, 1, within_s=3 * BOUND_S)
        assert timer.fired_at is not None
        assert (timer.fired_at - timer.due_at).total_seconds() < BOUND_S
    finally:
        scheduler.shutdown(wait=False)
        worker.stop(wait=10)
    assert worker._thread is not None and not worker._thread.is_alive()


def now() -> datetime:
    return datetime.now(UTC)


def test_next_due_is_the_earliest_claimable_moment(database: Database, paging: Paging) -> None:
    assert service.next_due(database, lease=LEASE) is None
    start = now() + timedelta(hours=1)
    with database.session() as s:
        inc = Incident(title="x", severity="critical")
        s.add(inc)
        s.flush()
        assert inc.id is not None
        s.add(EscalationTimer(incident_id=inc.id, level=1, due_at=start + timedelta(minutes=5)))
        s.add(EscalationTimer(incident_id=inc.id, level=2, due_at=start, fired_at=start))
        s.add(EscalationTimer(incident_id=inc.id, level=3, due_at=start, cancelled_at=start))
    assert service.next_due(database, lease=LEASE) == start + timedelta(minutes=5)
    with database.session() as s:  # a claim held since start: taken over after the lease
        s.add(
            EscalationTimer(
                incident_id=inc.id, level=4, due_at=start, claimed_by="dead", claimed_at=start
            )
        )
    assert service.next_due(database, lease=LEASE) == start + LEASE


def test_a_busy_replica_leaves_what_it_cannot_send_yet_to_the_others(
    database: Database, receiver: Receiver
) -> None:
    """Claims are sized to free senders: while replica A's two senders wait on a slow endpoint,
    replica B claims and fires the rest instead of waiting for A's batch."""
    sending = threading.Event()

    def slow(_got: object) -> None:
        sending.set()
        time.sleep(0.4)

    receiver.on_request = slow
    settings = load_settings(aiops_notify_webhook_url=receiver.url, aiops_notify_backoff_s=0.01)
    paging = build_paging(settings, database, clock=SystemClock(), config=parse_escalation(POLICY))
    with database.session() as s:
        policy_id = s.exec(select(Team.escalation_policy_id)).first()
        for n in range(6):
            inc = Incident(title=f"down {n}", severity="critical")
            s.add(inc)
            s.flush()
            assert inc.id is not None
            s.add(EscalationTimer(incident_id=inc.id, policy_id=policy_id, level=1, due_at=now()))
    a = EscalationWorker(paging, worker_id="a", lease=LEASE, parallel=2)
    b = EscalationWorker(paging, worker_id="b", lease=LEASE, parallel=2)
    fired_a: list[int] = []
    thread = threading.Thread(target=lambda: fired_a.append(a.tick()))
    thread.start()
    assert sending.wait(10)
    fired_b = b.tick()
    thread.join(30)
    assert fired_a[0] + fired_b == 6
    assert fired_b >= 2


def test_a_slow_send_does_not_hold_up_the_next_level(
    running: EscalationWorker, database: Database, paging: Paging, receiver: Receiver
) -> None:
    """Level 1's endpoint takes 2.5 s; level 2, due 0.5 s after it, fires on time meanwhile."""
    calls: list[float] = []

    def first_is_slow(_got: object) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(2.5)

    receiver.on_request = first_is_slow
    incident_id = _open(database, paging)
    fired = _fired(database, incident_id, 2, within_s=3 * BOUND_S)
    level2 = [t for t in fired if t.level == 2]
    assert level2 and level2[0].fired_at is not None
    assert (level2[0].fired_at - level2[0].due_at).total_seconds() < BOUND_S

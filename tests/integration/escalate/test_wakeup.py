"""Due-time wakeups on SQLite and Postgres: timers fire when due, not on the next safety poll.

The real worker runs in its own thread, attached to a real APScheduler scheduler as ``aiops run``
does, with a safety poll of 30 s; levels notify a local webhook over HTTP. Bounds are generous
(a loaded machine) but far below the poll. On Postgres, timers created by a separate Python
process (as a webhook front end or another replica would; no in-process announcement reaches
the worker) wake it through LISTEN/NOTIFY; SQLite has nothing to listen to (one process: the
in-process announcement and the poll).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlmodel import col, select

from bot.clock import SystemClock
from bot.config import load_settings
from bot.escalate import service, wakeup
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


# ------------------------------------------------------------------ across processes (Postgres)
ROOT = Path(__file__).resolve().parents[3]

# Another process opens an incident whose first level is due 0.3 s after it commits.
OTHER_PROCESS = """
import sys
from datetime import UTC, datetime, timedelta
from sqlmodel import select
from bot.escalate import service
from bot.store import EscalationPolicy, Incident, connect

db = connect(sys.argv[1])
with db.session() as s:
    inc = Incident(title="queue backlog", severity="critical")
    s.add(inc)
    s.flush()
    policy = s.exec(select(EscalationPolicy).where(EscalationPolicy.name == "fast")).one()
    service.schedule_timers(s, inc.id, policy, datetime.now(UTC) + timedelta(seconds=0.3))
print(inc.id)
"""


@pytest.fixture
def pg(database: Database) -> Database:
    if database.dialect != "postgresql":
        pytest.skip("cross-process announcements are Postgres NOTIFY")
    return database


def _open_elsewhere(db: Database) -> int:
    url = db.engine.url.render_as_string(hide_password=False)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(out.stdout.strip())


def _assert_on_time(timers: list[EscalationTimer]) -> None:
    assert [t.level for t in timers] == [1, 2]
    for timer in timers:
        assert timer.fired_at is not None
        assert (timer.fired_at - timer.due_at).total_seconds() < BOUND_S


def test_a_timer_another_process_creates_fires_when_due_not_at_the_poll(
    pg: Database, running: EscalationWorker
) -> None:
    assert running.poll_s == POLL_S
    assert running.listener is not None and running.listener.ready.wait(10)
    time.sleep(0.3)  # the pass the listener's connect asked for is over: asleep on the poll
    incident_id = _open_elsewhere(pg)
    _assert_on_time(_fired(pg, incident_id, 2, within_s=POLL_S / 3))


def test_the_listener_hears_again_after_its_connection_is_cut(
    pg: Database, running: EscalationWorker
) -> None:
    listener = running.listener
    assert listener is not None and listener.ready.wait(10)
    with pg.engine.connect() as conn:
        cut = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
            )
        ).all()
    assert cut == [(True,)]
    deadline = time.monotonic() + 10 * wakeup.RETRY_S
    while listener.ready.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)  # it notices the cut on its next wait
    assert listener.ready.wait(10 * wakeup.RETRY_S)
    time.sleep(0.3)
    incident_id = _open_elsewhere(pg)
    _assert_on_time(_fired(pg, incident_id, 2, within_s=POLL_S / 3))


def test_a_rolled_back_timer_announces_nothing(pg: Database) -> None:
    heard: list[datetime] = []
    listener = wakeup.DueListener(pg.engine, heard.append)
    listener.start()
    try:
        assert listener.ready.wait(10)
        due = datetime.now(UTC) + timedelta(minutes=5)
        with pytest.raises(RuntimeError), pg.session() as s:
            wakeup.announce_due(s, due)
            raise RuntimeError("the incident's transaction fails")
        with pg.session() as s:
            wakeup.announce_due(s, due + timedelta(minutes=1))
        deadline = time.monotonic() + 10
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert heard == [due + timedelta(minutes=1)]
    finally:
        listener.stop(wait=5)
    assert listener.ready.is_set() is False


def test_listening_can_be_turned_off(pg: Database, paging: Paging) -> None:
    """AIOPS_ESCALATION_LISTEN=false (a transaction-pooling PgBouncer): the poll alone."""
    assert EscalationWorker(paging, listen=False).listener is None
    assert EscalationWorker(paging).listener is not None

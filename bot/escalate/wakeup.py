"""Due-time wakeups: a worker sleeps until the next timer is due, not a fixed tick.

Three ways a sleeping ``EscalationWorker`` learns that something is due sooner than it planned:

- its own lookup (``service.next_due``) after each pass, for timers created by any replica;
  it never sleeps longer than the safety poll (``AIOPS_ESCALATION_TICK_S``);
- an announcement from this process: ``service.schedule_timers`` calls ``announce_due``, and
  once its transaction commits (so the rows are visible to the worker's query) every ``Alarm``
  of this process hears the earliest due time it created and wakes then;
- on Postgres, an announcement from any process: ``announce_due`` also sends
  ``NOTIFY aiops_escalation_due`` with that time in the same transaction (Postgres delivers it
  at commit, and never for a rollback), and each worker's ``DueListener`` holds a connection
  that LISTENs and rings its ``Alarm``. A replica therefore hears of a timer another replica (or
  a process with no worker, such as a webhook front end) created as soon as it is committed,
  not one safety poll later. When that connection is lost, the poll bounds the wait until it
  is back, and a reconnect wakes the worker to look again (it may have missed an announcement).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

CHANNEL = "aiops_escalation_due"  # the Postgres NOTIFY channel (per database)
LISTEN_WAIT_S = 1.0  # how long a listener blocks before it checks whether it was stopped
RETRY_S = 2.0  # a lost listening connection is opened again after this

Listener = Callable[[datetime], None]

_lock = threading.Lock()
_listeners: set[Listener] = set()


def subscribe(listener: Listener) -> None:
    with _lock:
        _listeners.add(listener)


def unsubscribe(listener: Listener) -> None:
    with _lock:
        _listeners.discard(listener)


def announce(due_at: datetime) -> None:
    """Tell this process's workers that a timer is due at ``due_at`` (already committed)."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(due_at)
        except Exception:  # a listener never breaks the flow that created the timer
            log.exception("escalation wakeup listener failed")


def announce_after_commit(session: Session, due_at: datetime) -> None:
    """Announce ``due_at`` when ``session`` commits (nothing if it rolls back)."""
    event.listen(session, "after_commit", lambda _s: announce(due_at), once=True)


def announce_due(session: Session, due_at: datetime) -> None:
    """Announce ``due_at`` to this process's workers and, on Postgres, to every replica's, once
    ``session`` commits (nothing if it rolls back)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :due)"),
            {"channel": CHANNEL, "due": due_at.isoformat()},
        )
    announce_after_commit(session, due_at)


class DueListener:
    """A thread that LISTENs on Postgres for due times announced by any process and passes each
    to ``on_due``; ``on_connect`` runs after every (re)connect, when announcements may have been
    missed. Its connection is its own (detached from the engine's pool), idle but for the
    notifications."""

    def __init__(
        self,
        engine: Engine,
        on_due: Listener,
        *,
        on_connect: Callable[[], None] | None = None,
        retry_s: float = RETRY_S,
    ) -> None:
        self.engine = engine
        self.on_due = on_due
        self.on_connect = on_connect
        self.retry_s = retry_s
        self.ready = threading.Event()  # set while LISTENing
        self._stop = threading.Event()
        self._failing = False  # the connection was lost and is not back yet (logged once)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="escalation-listen", daemon=True)
        self._thread.start()

    def stop(self, wait: float | None = None) -> None:
        """Stop listening; ``wait`` seconds for the connection to be closed."""
        self._stop.set()
        if wait is not None and self._thread is not None:
            self._thread.join(wait)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # the database is away: the safety poll covers the gap
                if not self._failing:
                    log.warning("escalation listener lost its connection (%s); retrying", exc)
                self._failing = True
                self._stop.wait(self.retry_s)

    def _listen(self) -> None:
        raw = self.engine.raw_connection()
        conn = cast("psycopg.Connection[Any]", raw.driver_connection)
        raw.detach()  # ours until closed, never handed back to the pool
        try:
            conn.rollback()  # out of the transaction the pool's ping may have begun
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
            if self._failing:
                log.warning("escalation listener is listening again")
                self._failing = False
            self.ready.set()
            if self.on_connect is not None:
                self.on_connect()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=LISTEN_WAIT_S):
                    self._heard(note.payload)
        finally:
            self.ready.clear()
            raw.close()

    def _heard(self, payload: str) -> None:
        try:
            due_at = datetime.fromisoformat(payload)
        except ValueError:
            log.warning("escalation listener: not a due time: %r", payload[:80])
            return
        try:
            self.on_due(due_at)
        except Exception:
            log.exception("escalation wakeup listener failed")


class Alarm:
    """A sleep that ends early when stopped or when an announced due time comes sooner."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._cond = threading.Condition()
        self._hint: datetime | None = None
        self._poked = False
        self._stopped = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def ring_at(self, due_at: datetime) -> None:
        with self._cond:
            if self._hint is None or due_at < self._hint:
                self._hint = due_at
            self._cond.notify_all()

    def poke(self) -> None:
        """End the current (or the next) sleep now."""
        with self._cond:
            self._poked = True
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``; return at an announced due time that comes sooner."""
        end = time.monotonic() + max(0.0, seconds)
        with self._cond:
            while not self._stopped:
                if self._poked:
                    self._poked = False
                    return
                if self._hint is not None:
                    until_hint = (self._hint - self.clock.now()).total_seconds()
                    end = min(end, time.monotonic() + until_hint)
                    self._hint = None
                left = end - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(left)

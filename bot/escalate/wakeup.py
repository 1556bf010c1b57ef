"""Due-time wakeups: a worker sleeps until the next timer is due, not a fixed tick.

Two ways a sleeping ``EscalationWorker`` learns that something is due sooner than it planned:

- its own lookup (``service.next_due``) after each pass, for timers created by any replica;
  it never sleeps longer than the safety poll (``AIOPS_ESCALATION_TICK_S``), so a timer created
  by another replica is seen within one poll at the latest;
- an announcement from this process: ``service.schedule_timers`` calls ``announce_after_commit``,
  and once its transaction commits (so the rows are visible to the worker's query) every
  ``Alarm`` of this process hears the earliest due time it created and wakes then.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session

from bot.clock import Clock

log = logging.getLogger(__name__)

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

"""The escalation worker: claims due timers and fires their level, waking when the next is due.

The loop (``run``) claims due timers into its free senders (never more, so what it cannot start
yet stays free for other replicas), lets the sends run, and looks up when the next pending timer
becomes claimable (``service.next_due``); it sleeps until then, or until a sender frees up when
all were busy, never longer than the safety poll (``AIOPS_ESCALATION_TICK_S``: the bound for
a timer whose creation no announcement brought). ``tick`` is one synchronous pass (tests,
one-shot use).
A timer this process creates wakes the worker at its due time (``bot.escalate.wakeup``); on
Postgres so does one any process creates (LISTEN/NOTIFY, ``wakeup.DueListener``). The loop runs
in its own thread, started and stopped with the APScheduler scheduler it is attached to.

Firing a level = send to each of its targets (deduplicated notifications), then, in one
transaction, mark the timer fired (only if this worker still holds the claim) and write the
TimelineEvent. A replica that dies after claiming leaves the claim to expire; after the lease
another replica takes it over and fires it; the dedup keys keep that from paging twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, EVENT_SCHEDULER_START, SchedulerEvent
from apscheduler.schedulers.base import BaseScheduler

from bot.escalate import service, wakeup
from bot.escalate.flows import Paging, incident_message
from bot.escalate.models import levels_from_json
from bot.escalate.service import ClaimedTimer
from bot.notify.models import Event
from bot.store import EscalationPolicy, Incident, TimelineEvent

log = logging.getLogger(__name__)

JOB_ID = "escalation-tick"
MIN_SLEEP_S = 0.01  # a due row another replica is claiming right now: look again shortly
STOP_WAIT_S = 10.0  # on stop, how long sends in flight may finish


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class EscalationWorker:
    def __init__(
        self,
        paging: Paging,
        *,
        worker_id: str | None = None,
        lease: timedelta = timedelta(seconds=120),
        batch: int = 10,
        parallel: int = 4,
        poll_s: float = 1.0,
        listen: bool = True,
    ) -> None:
        self.paging = paging
        self.worker_id = worker_id or default_worker_id()
        self.lease = lease
        self.batch = batch
        self.parallel = parallel  # levels fired at once (sends wait on the network)
        self.poll_s = poll_s  # the longest sleep: timers no announcement brought
        self._alarm = wakeup.Alarm(paging.clock)
        self.listener: wakeup.DueListener | None = None  # Postgres: hears other processes
        if listen and self.db.dialect == "postgresql":  # rings whichever alarm the loop sleeps on
            self.listener = wakeup.DueListener(
                self.db.engine, lambda due: self._alarm.ring_at(due), on_connect=self._poke
            )
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None  # the senders, kept between passes
        self._pool_lock = threading.Lock()

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.paging.notifier.db

    def tick(self) -> int:
        """Claim what is due and fire it, waiting for every send; returns how many levels fired.

        Claims only as many timers as there are free senders, and claims again as each level
        finishes: a due timer never waits behind a batch this worker holds, and what this
        worker cannot start yet stays unclaimed for the other replicas."""
        fired, drained = 0, False
        inflight: set[Future[int]] = set()
        while True:
            free = min(self.batch, self.slots - len(inflight))
            if not drained and free > 0:
                claimed = self._claim(free)
                drained = len(claimed) < free
                inflight |= {self._executor().submit(self._fire_safely, t) for t in claimed}
            if not inflight:
                return fired
            done, inflight = futures.wait(inflight, return_when=futures.FIRST_COMPLETED)
            fired += sum(f.result() for f in done)

    @property
    def slots(self) -> int:
        return max(1, self.parallel)

    def _claim(self, limit: int) -> list[ClaimedTimer]:
        return service.claim_due(
            self.db,
            now=self.paging.clock.now(),
            worker_id=self.worker_id,
            lease=self.lease,
            limit=limit,
        )

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="escalation")
            return self._pool

    def delay(self) -> float:
        """Seconds to sleep before the next pass: until the next timer is due, at most a poll."""
        due = service.next_due(self.db, lease=self.lease)
        if due is None:
            return self.poll_s
        wait = (due - self.paging.clock.now()).total_seconds()
        return min(self.poll_s, max(MIN_SLEEP_S, wait))

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        """Claim what is due into free senders; sleep until the next due time, a free sender,
        an announcement or the poll; repeat. Sends never hold up the next claim."""
        alarm = self._alarm  # a later start() makes a new one; this loop ends with its own
        inflight: set[Future[int]] = set()
        full = threading.Event()  # all senders busy: a finished send wakes the loop

        def finished(_f: Future[int]) -> None:
            if full.is_set():
                alarm.poke()

        wakeup.subscribe(alarm.ring_at)
        listener = self.listener
        if listener is not None:
            listener.start()
        try:
            while not alarm.stopped:
                try:
                    inflight = {f for f in inflight if not f.done()}
                    free = min(self.batch, self.slots - len(inflight))
                    claimed = self._claim(free) if free > 0 else []
                    for timer in claimed:
                        future = self._executor().submit(self._fire_safely, timer)
                        future.add_done_callback(finished)
                        inflight.add(future)
                    if free > 0 and len(claimed) == free:
                        continue  # there may be more due: claim again as senders free up
                    if len(inflight) >= self.slots:
                        full.set()
                        if any(f.done() for f in inflight):
                            full.clear()
                            continue
                        pause = self.poll_s
                    else:
                        pause = self.delay()
                except Exception:  # the database is away: try again after a poll
                    log.exception("escalation pass failed; retrying in %.1fs", self.poll_s)
                    pause = self.poll_s
                alarm.sleep(pause)
                full.clear()
        finally:
            wakeup.unsubscribe(alarm.ring_at)
            if listener is not None:
                listener.stop(wait=2 * wakeup.LISTEN_WAIT_S)
            futures.wait(inflight, timeout=STOP_WAIT_S)  # an unfinished one: taken over later
            with self._pool_lock:
                pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False)

    def _poke(self) -> None:
        self._alarm.poke()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._alarm = wakeup.Alarm(self.paging.clock)
        self._thread = threading.Thread(target=self.run, name="escalation-worker", daemon=True)
        self._thread.start()

    def stop(self, wait: float | None = None) -> None:
        """Stop claiming; ``wait`` seconds for sends in flight to finish (None: don't wait)."""
        self._alarm.stop()
        if wait is not None and self._thread is not None:
            self._thread.join(wait)

    def _fire_safely(self, timer: ClaimedTimer) -> int:
        try:
            return self.fire(timer)
        except Exception:  # the claim expires and another tick retries it
            log.exception("escalation timer %s failed; retried after the lease", timer.id)
            return 0

    def fire(self, timer: ClaimedTimer) -> int:
        with self.db.session() as s:
            incident = s.get(Incident, timer.incident_id)
            policy = s.get(EscalationPolicy, timer.policy_id) if timer.policy_id else None
        levels = levels_from_json(policy.levels) if policy else []
        if incident is None or incident.status != "triggered" or timer.level > len(levels):
            with self.db.session() as s:
                service.drop(s, timer.id, self.worker_id, self.paging.clock.now())
            return 0
        level = levels[timer.level - 1]
        text = (
            f"Not acknowledged: escalation level {timer.level}"
            + (f" (round {timer.round + 1})" if timer.round else "")
            + f" of policy {policy.name if policy else '?'}"
        )
        message = incident_message(incident, Event.ESCALATION, text)
        outcomes = [
            self.paging.notifier.send(
                target,
                message,
                dedup_key=f"esc:{incident.id}:{timer.level}:{timer.round}:{target.label()}"[:255],
            )
            for target in level.targets
        ]
        now = self.paging.clock.now()
        with self.db.session() as s:
            if not service.complete(s, timer.id, self.worker_id, now):
                return 0  # taken over or cancelled meanwhile: the other side records it
            summary = ", ".join(f"{o.target.label()} {o.status}" for o in outcomes)
            s.add(
                TimelineEvent(
                    incident_id=timer.incident_id,
                    at=now,
                    kind="escalation",
                    actor="aiops",
                    text=f"Level {timer.level} notified"
                    + (f" (round {timer.round + 1})" if timer.round else "")
                    + f": {summary}",
                    data={
                        "level": timer.level,
                        "round": timer.round,
                        "due_at": timer.due_at.isoformat(),
                        "late_s": round((now - timer.due_at).total_seconds(), 3),
                        "worker": self.worker_id,
                        "outcomes": {o.dedup_key: o.status for o in outcomes},
                    },
                )
            )
        return 1


def schedule(scheduler: BaseScheduler, worker: EscalationWorker, every_s: float) -> None:
    """Run the worker's loop while ``scheduler`` runs (``aiops run`` or ``runner``).

    ``every_s`` is the safety poll; timers fire at their due time, not on a grid of ``every_s``.
    """
    worker.poll_s = every_s

    def follow(event: SchedulerEvent) -> None:
        if event.code == EVENT_SCHEDULER_START:
            worker.start()
        else:
            worker.stop()

    scheduler.add_listener(follow, EVENT_SCHEDULER_START | EVENT_SCHEDULER_SHUTDOWN)
    if scheduler.running:
        worker.start()

"""The escalation worker: an APScheduler tick claims due timers and fires their level.

Firing a level = send to each of its targets (deduplicated notifications), then, in one
transaction, mark the timer fired (only if this worker still holds the claim) and write the
TimelineEvent. A replica that dies after claiming leaves the claim to expire; after the lease
another replica takes it over and fires it; the dedup keys keep that from paging twice.
"""

from __future__ import annotations

import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler

from bot.escalate import service
from bot.escalate.flows import Paging, incident_message
from bot.escalate.models import levels_from_json
from bot.escalate.service import ClaimedTimer
from bot.notify.models import Event
from bot.store import EscalationPolicy, Incident, TimelineEvent

log = logging.getLogger(__name__)

JOB_ID = "escalation-tick"


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
    ) -> None:
        self.paging = paging
        self.worker_id = worker_id or default_worker_id()
        self.lease = lease
        self.batch = batch
        self.parallel = parallel  # levels fired at once (sends wait on the network)

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.paging.notifier.db

    def tick(self) -> int:
        """Claim what is due and fire it; returns how many levels this worker fired."""
        fired = 0
        while True:
            claimed = service.claim_due(
                self.db,
                now=self.paging.clock.now(),
                worker_id=self.worker_id,
                lease=self.lease,
                limit=self.batch,
            )
            if self.parallel > 1 and len(claimed) > 1:
                with ThreadPoolExecutor(min(self.parallel, len(claimed))) as pool:
                    fired += sum(pool.map(self._fire_safely, claimed))
            else:
                fired += sum(self._fire_safely(t) for t in claimed)
            if len(claimed) < self.batch:
                return fired

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
    """Add the tick to an APScheduler scheduler (the lead's ``aiops run`` or ``runner``)."""
    scheduler.add_job(
        worker.tick,
        "interval",
        seconds=every_s,
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )

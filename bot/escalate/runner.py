"""One replica of the escalation scheduler as its own process: ``python -m bot.escalate.runner``.

Reads the usual settings (DATABASE_URL, AIOPS_ESCALATION_FILE, channel settings,
AIOPS_ESCALATION_TICK_S, AIOPS_ESCALATION_LEASE_S, AIOPS_ESCALATION_LISTEN) and fires timers at
their due time until SIGTERM/SIGINT (on Postgres it hears timers other processes create through
LISTEN/NOTIFY; the tick is only the safety poll). Run
several against one Postgres: each timer fires once. ``aiops run`` attaches the same worker to
its own scheduler instead (``bot.escalate.jobs.schedule``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from datetime import timedelta
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.config import get_settings
from bot.errors import AiopsError
from bot.escalate.jobs import EscalationWorker, default_worker_id, schedule
from bot.escalate.setup import build_paging
from bot.store.db import settings_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run the escalation scheduler (one replica)")
    parser.add_argument("--worker-id", default=None, help="name of this replica in claims")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    try:
        settings = get_settings()
        db = settings_database(settings)
        paging = build_paging(settings, db)
    except AiopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    worker = EscalationWorker(
        paging,
        worker_id=args.worker_id or default_worker_id(),
        lease=timedelta(seconds=settings.aiops_escalation_lease_s),
        listen=settings.aiops_escalation_listen,
    )
    scheduler = BlockingScheduler(timezone="UTC")
    schedule(scheduler, worker, settings.aiops_escalation_tick_s)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"ready {worker.worker_id}", flush=True)
    scheduler.start()
    worker.stop(wait=10)  # let a pass in flight finish its transaction
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The runbook side of ``aiops run``: when ``AIOPS_RUNBOOKS_GIT_URL`` is set, the repository is
synced at start-up (a failure keeps the last good cached version, or the shipped folder, and is
posted in the ops channel), every ``AIOPS_RUNBOOKS_SYNC_EVERY_S`` by the scheduler, and on a
signed push (``POST /webhooks/github``, which finds the sync in ``HttpServices.extra``)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import Settings
from bot.runbooks.ports import NullOps, OpsNotice
from bot.runbooks.sync import RunbookSync
from handlers.slack.ops import SlackOpsNotice

log = logging.getLogger("aiops.run")

SYNC_JOB = "runbook-sync"


def start_runbook_sync(
    settings: Settings, client: WebClient | None, clock: Clock
) -> RunbookSync | None:
    """The configured sync after its start-up run (None when no repository is configured)."""
    channel = settings.aiops_ops_channel or settings.aiops_slack_channel
    notice: OpsNotice = SlackOpsNotice(client, channel) if client is not None else NullOps()
    sync = RunbookSync.from_settings(settings, notice=notice, clock=clock)
    if sync is not None:
        sync.start()
    return sync


def schedule_runbook_sync(scheduler: Any, settings: Settings, sync: RunbookSync | None) -> None:
    every = settings.aiops_runbooks_sync_every_s
    if sync is None or every <= 0:
        return
    scheduler.add_job(
        sync.sync, "interval", seconds=every, id=SYNC_JOB, max_instances=1, coalesce=True
    )

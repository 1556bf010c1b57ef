"""Build ``Paging`` from settings: the escalation file (validated, synced to the database)."""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.config import Settings, get_settings
from bot.escalate.config import load_escalation_file
from bot.escalate.flows import Paging
from bot.escalate.models import EscalationFile
from bot.escalate.service import sync_policies
from bot.notify.channels import SlackSender
from bot.notify.setup import build_notifier
from bot.store import Database
from bot.store.db import settings_database


def load_config(settings: Settings) -> EscalationFile:
    path = settings.aiops_escalation_file
    return load_escalation_file(path) if path else EscalationFile()


def build_paging(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    slack: SlackSender | None = None,
    config: EscalationFile | None = None,
) -> Paging:
    """Validate the escalation file, store its policies, and wire the notifier."""
    clock = clock or SystemClock()
    config = config if config is not None else load_config(settings)
    with db.session() as s:
        sync_policies(s, config)
    notifier = build_notifier(settings, db, clock=clock, slack=slack)
    if config.notifications.rate_per_hour:
        notifier.rate_per_hour = config.notifications.rate_per_hour
    return Paging(notifier=notifier, config=config, clock=clock)


def paging_from_settings() -> Paging:
    settings = get_settings()
    return build_paging(settings, settings_database(settings))

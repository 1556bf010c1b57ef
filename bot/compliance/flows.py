"""One compliance assessment for every door and the schedule: the rules over the inventory,
AWS Config's rules where enabled, and (when recorded) the trend since the last stored run.

``ComplianceJob`` is what the scheduler runs every ``AIOPS_COMPLIANCE_EVERY_S``: it stores a
run unless one was stored less than half an interval ago (several replicas, a restart)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.clock import Clock
from bot.compliance.aws_config import with_aws_config, with_fleet_config
from bot.compliance.evaluate import ComplianceReport, evaluate
from bot.compliance.rules import load_rules
from bot.compliance.runs import Trend, record
from bot.inventory.service import InventorySources
from bot.store.db import Database
from bot.store.models_ops import ComplianceRun

log = logging.getLogger(__name__)


def assess(rules_file: Path | None, sources: InventorySources) -> ComplianceReport:
    """Our rules (built-in plus ``rules_file``) over the inventory, and AWS Config's (in
    every account and region when ``sources`` has a fleet)."""
    report = evaluate(load_rules(rules_file), sources)
    if sources.fleet is not None:
        return with_fleet_config(report, sources.fleet)
    config = getattr(sources.aws, "config", None) if sources.aws is not None else None
    return with_aws_config(report, config)


def last_run_at(db: Database) -> datetime | None:
    with db.session() as s:
        return s.exec(select(ComplianceRun.at).order_by(col(ComplianceRun.at).desc())).first()


@dataclass
class ComplianceJob:
    db: Database
    clock: Clock
    assess: Callable[[], ComplianceReport]
    every: timedelta

    def run(self) -> Trend | None:
        """Assess and store a run; None when a recent run makes this one redundant."""
        now = self.clock.now()
        last = last_run_at(self.db)
        if last is not None:
            last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
            if now - last < self.every / 2:
                log.info("compliance: a run at %s is recent; skipped", last)
                return None
        trend = record(self.db, self.assess(), now)
        log.info("compliance: score %.1f (%s)", trend.score,
                 "first run" if trend.delta is None else f"{trend.delta:+.1f}")  # fmt: skip
        return trend


def scheduled(
    db: Database,
    clock: Clock,
    rules_file: Path | None,
    sources: Callable[[], Any],
    every_s: float,
) -> ComplianceJob:
    """The job over ``sources()`` (an ``InventorySources``, built when the job runs)."""
    return ComplianceJob(
        db, clock, lambda: assess(rules_file, sources()), timedelta(seconds=every_s)
    )

"""Run the digest: claim the week, build, render, post, record. Used by the scheduler (cron
and catch-up), ``/aiops capacity`` (on demand, no claim) and ``aiops digest``."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.capacity.models import CapacityDigest
from bot.clock import Clock
from bot.digest import runs
from bot.digest.ports import DigestPoster
from bot.digest.render import DigestReport, render
from bot.digest.schedule import DigestSchedule
from bot.errors import UpstreamUnavailable
from bot.store import Database
from integrations.metrics.models import MetricSourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    key: str
    posted: bool
    ref: str | None = None
    report: DigestReport | None = None
    reason: str = ""


class DigestRunner:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        build: Callable[[], CapacityDigest],
        poster: DigestPoster,
        channel: str,
        schedule: DigestSchedule,
        owner: str,
    ) -> None:
        self.db = db
        self.clock = clock
        self.build = build
        self.poster = poster
        self.channel = channel
        self.schedule = schedule
        self.owner = owner

    def post_now(self, channel: str | None = None) -> tuple[str, DigestReport]:
        """Build and post at once (on demand: no run key)."""
        with tempfile.TemporaryDirectory(prefix="aiops-digest-") as tmp:
            report = render(self.build(), Path(tmp))
            ref = self.poster.post(channel or self.channel, report.slack_text, report.charts)
        return ref, report

    def run(self, key: str) -> RunResult:
        """Post the digest for run ``key`` unless another caller claimed it."""
        now = self.clock.now()
        if not runs.claim(self.db, key, owner=self.owner, now=now):
            return RunResult(key, False, reason="already claimed")
        try:
            with tempfile.TemporaryDirectory(prefix="aiops-digest-") as tmp:
                report = render(self.build(), Path(tmp))
                ref = self.poster.post(self.channel, report.slack_text, report.charts)
        except Exception as exc:
            runs.fail(self.db, key, now=self.clock.now(), error=str(exc))
            log.warning("capacity digest %s failed: %s", key, exc)
            if isinstance(exc, MetricSourceError):  # the metric store, not a bug: say so
                raise UpstreamUnavailable(
                    f"capacity digest {key}: {exc}",
                    hint="check the metric source's credentials and endpoint (aiops doctor)",
                ) from exc
            raise
        runs.mark_posted(self.db, key, now=self.clock.now(), ref=ref)
        runs.finish(self.db, key, now=self.clock.now())
        return RunResult(key, True, ref, report)

    def run_due(self) -> RunResult:
        """The cron tick and the start-up catch-up: the newest due week, once."""
        return self.run(self.schedule.key_for(self.clock.now()))

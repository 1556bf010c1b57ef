"""When the digest is due: every ``day`` at ``time`` in ``timezone`` (default Monday 09:00).

``latest_due(now)`` is the newest scheduled moment at or before ``now``; its ISO week (local) is
the run key. The APScheduler cron job and the start-up catch-up both ask for that one key, and
the key is claimed in the database, so a missed Monday is caught up once, and only the newest
missed week (a bot down for three weeks posts one digest, not three).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestSchedule:
    day: int  # 0 = Monday
    at: time
    tz: ZoneInfo

    @classmethod
    def parse(cls, day: str = "mon", at: str = "09:00", timezone: str = "UTC") -> DigestSchedule:
        key = day.strip().lower()[:3]
        if key not in DAYS:
            raise ConfigError(f"AIOPS_DIGEST_DAY: {day!r} is not a weekday (mon … sun)")
        try:
            hour, minute = (int(p) for p in at.strip().split(":"))
            moment = time(hour, minute)
        except ValueError:
            raise ConfigError(f"AIOPS_DIGEST_TIME: {at!r} is not HH:MM") from None
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"AIOPS_TIMEZONE: unknown timezone {timezone!r}") from None
        return cls(DAYS.index(key), moment, tz)

    @classmethod
    def from_settings(cls, settings: Any) -> DigestSchedule:
        return cls.parse(
            settings.aiops_digest_day, settings.aiops_digest_time, settings.aiops_timezone
        )

    def latest_due(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        day = local.date() - timedelta(days=(local.weekday() - self.day) % 7)
        due = datetime.combine(day, self.at, tzinfo=self.tz)
        if due > local:
            due = datetime.combine(day - timedelta(days=7), self.at, tzinfo=self.tz)
        return due

    @staticmethod
    def week_key(due: datetime) -> str:
        year, week, _ = due.isocalendar()
        return f"{year}-W{week:02d}"

    def key_for(self, now: datetime) -> str:
        return self.week_key(self.latest_due(now))

    def add_job(
        self, scheduler: Any, func: Callable[[], Any], job_id: str = "capacity-digest"
    ) -> Any:
        """An APScheduler cron job; late runs coalesce into one and run however late."""
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger(
            day_of_week=DAYS[self.day], hour=self.at.hour, minute=self.at.minute, timezone=self.tz
        )
        return scheduler.add_job(
            func,
            trigger,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

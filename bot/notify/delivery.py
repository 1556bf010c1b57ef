"""Send one notification exactly as the rules say, once, and never lose it silently.

For each (target, message, dedup_key):
1. the row comes first: a ``Notification`` with the dedup key (unique). If the row says it was
   already sent or suppressed, nothing is sent again — so a retried job, a re-fired timer or a
   second replica never sends twice;
2. snooze and rate limit may store it as ``suppressed`` instead (consolidated into the next one);
3. the channel is tried with tenacity: exponential backoff on transient errors (5xx, 429,
   network), no retry on permanent ones;
4. the row ends ``sent`` or ``failed``; a failure writes a "notification failed" TimelineEvent
   and is posted in the incident's Slack thread, so nobody believes a page went out that did not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot import observability
from bot.clock import Clock, SystemClock
from bot.notify.channels import Channel
from bot.notify.limits import recent_count, snoozed_until
from bot.notify.models import Message, Outcome, SendError, Target, TargetKind
from bot.store import Database, Incident, Notification, TimelineEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 60.0


class Notifier:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        rate_per_hour: int = 10,
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.clock = clock or SystemClock()
        self.retry = retry or RetryPolicy()
        self.rate_per_hour = rate_per_hour

    # ------------------------------------------------------------------ public
    def send(
        self,
        target: Target,
        message: Message,
        *,
        dedup_key: str,
        rate_limited: bool = False,
        ignore_snooze: bool = False,
    ) -> Outcome:
        row, snoozed = self._reserve(target, message, dedup_key, check_snooze=not ignore_snooze)
        if row.status in ("sent", "suppressed", "failed"):
            return Outcome(dedup_key, target, "duplicate", row.attempts, row.error)
        channel = self.channels.get(target.channel)
        if channel is None:
            return self._finish(row, target, message, "failed", f"{target.channel} not configured")
        if snoozed is not None:
            return self._finish(row, target, message, "suppressed", f"snoozed until {snoozed}")
        reason, folded = self._rate_limit(target, message) if rate_limited else (None, 0)
        if reason:
            return self._finish(row, target, message, "suppressed", reason)
        if folded:
            message = replace(
                message, text=f"{message.text}\n(+{folded} similar notifications folded)"
            )
        return self._deliver(row, channel, target, message)

    # ------------------------------------------------------------------ steps
    def _reserve(
        self, target: Target, message: Message, dedup_key: str, *, check_snooze: bool
    ) -> tuple[Notification, str | None]:
        """The row for ``dedup_key`` (existing or new) and, if snoozed, until when (one tx)."""
        by_key = select(Notification).where(Notification.dedup_key == dedup_key)
        try:
            with self.db.session() as s:
                found = s.exec(by_key).first()
                if found is not None:
                    return found, None
                until = None
                if check_snooze and message.incident_id is not None:
                    until = snoozed_until(s, message.incident_id, self.clock.now())
                row = Notification(
                    dedup_key=dedup_key,
                    incident_id=message.incident_id,
                    channel=target.channel,
                    target=target.label()[:255],
                    event=message.event.value,
                    created_at=self.clock.now(),
                    payload={"title": message.title, "severity": message.severity},
                )
                s.add(row)
                s.flush()
                return row, until.isoformat() if until else None
        except IntegrityError:  # another worker reserved it between our read and insert
            with self.db.session() as s:
                return s.exec(by_key).one(), None

    def _rate_limit(self, target: Target, message: Message) -> tuple[str | None, int]:
        if message.incident_id is None:
            return None, 0
        now = self.clock.now()
        with self.db.session() as s:
            sent, folded = recent_count(
                s,
                incident_id=message.incident_id,
                channel=target.channel,
                target=target.label()[:255],
                since=now - timedelta(hours=1),
            )
        if sent >= self.rate_per_hour:
            return "rate limited", 0
        return None, folded

    def _deliver(
        self, row: Notification, channel: Channel, target: Target, message: Message
    ) -> Outcome:
        attempts = 0

        def once() -> None:
            nonlocal attempts
            attempts += 1
            channel.send(target, message, row.dedup_key)

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=wait_exponential(
                multiplier=self.retry.backoff_s, min=0, max=self.retry.backoff_max_s
            ),
            retry=retry_if_exception(lambda e: isinstance(e, SendError) and e.transient),
            reraise=True,
        )
        try:
            retrying(once)
        except SendError as exc:
            row.attempts += attempts
            return self._finish(row, target, message, "failed", str(exc))
        except RetryError as exc:  # pragma: no cover - reraise=True makes this unreachable
            row.attempts += attempts
            return self._finish(row, target, message, "failed", str(exc))
        row.attempts += attempts
        return self._finish(row, target, message, "sent", None)

    def _finish(
        self, row: Notification, target: Target, message: Message, status: str, error: str | None
    ) -> Outcome:
        now = self.clock.now()
        with self.db.session() as s:
            stored = s.get(Notification, row.id)
            assert stored is not None
            if stored.status == "sent":  # someone else delivered it meanwhile: keep theirs
                return Outcome(row.dedup_key, target, "duplicate", stored.attempts, stored.error)
            stored.status = status
            stored.attempts = row.attempts
            stored.error = error
            if status == "sent":
                stored.sent_at = now
            if status == "failed" and message.incident_id is not None:
                s.add(
                    TimelineEvent(
                        incident_id=message.incident_id,
                        at=now,
                        kind="notification",
                        actor="aiops",
                        text=f"notification failed: {target.label()} ({error})",
                        data={"dedup_key": row.dedup_key, "attempts": row.attempts},
                    )
                )
        observability.notification_finished(str(target.channel), status)
        if status == "failed":
            log.warning("notification %s to %s failed: %s", row.dedup_key, target.label(), error)
            self._tell_thread(row, target, message, error or "")
        return Outcome(row.dedup_key, target, status, row.attempts, error)

    def _tell_thread(self, row: Notification, target: Target, message: Message, error: str) -> None:
        """Post the failure in the incident's Slack thread (itself a deduplicated notification)."""
        if message.incident_id is None or target.kind is TargetKind.SLACK_THREAD:
            return
        if "slack" not in self.channels:
            return
        with self.db.session() as s:
            incident = s.get(Incident, message.incident_id)
        if incident is None or not (incident.slack_channel and incident.slack_ts):
            return
        thread = Target(
            kind=TargetKind.SLACK_THREAD, ref=f"{incident.slack_channel}/{incident.slack_ts}"
        )
        note = Message(
            title=f"Notification failed: {target.label()}",
            text=f":warning: {message.title} was not delivered to {target.label()}: {error}",
            event=message.event,
            severity=message.severity,
            incident_id=message.incident_id,
        )
        self.send(thread, note, dedup_key=f"{row.dedup_key}:failed", ignore_snooze=True)

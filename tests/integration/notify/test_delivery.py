"""Notifier: one row per dedup key, retries on 5xx/429/network, visible failures, never twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from bot.clock import SandboxClock
from bot.notify.channels.email import EmailChannel, SmtpConfig
from bot.notify.channels.http import TeamsChannel, WebhookChannel, verify
from bot.notify.channels.pagerduty import PagerDutyChannel
from bot.notify.delivery import Notifier, RetryPolicy
from bot.notify.models import Event, Message, Target, TargetKind
from bot.store import Database, Incident, Notification, TimelineEvent
from integrations import pagerduty as pd
from sandbox.pagerduty_server import LocalPagerDuty
from tests.integration.notify.receiver import Receiver
from tests.integration.notify.smtp import LocalSmtp

FAST = RetryPolicy(attempts=3, backoff_s=0.01, backoff_max_s=0.02)
PD = Target(kind=TargetKind.PAGERDUTY)


class SlackOutbox:
    def __init__(self) -> None:
        self.sent: list[tuple[Target, Message]] = []

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        self.sent.append((target, message))


@pytest.fixture(scope="module")
def server() -> Iterator[LocalPagerDuty]:
    with LocalPagerDuty() as srv:
        yield srv


@pytest.fixture(scope="module")
def smtp() -> Iterator[LocalSmtp]:
    with LocalSmtp() as s:
        yield s


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _incident(db: Database, **kw: object) -> Incident:
    with db.session() as s:
        inc = Incident(title="payments down", severity="critical", **kw)  # type: ignore[arg-type]
        s.add(inc)
        s.flush()
        inc.pagerduty_dedup_key = f"aiops-test-{inc.id}-{time.monotonic_ns()}"
        return inc


def _msg(inc: Incident) -> Message:
    return Message(
        title=inc.title,
        text="not acknowledged",
        severity="critical",
        incident_id=inc.id,
        pagerduty_key=inc.pagerduty_dedup_key,
        event=Event.ESCALATION,
    )


def _notifier(db: Database, server: LocalPagerDuty, **channels: object) -> Notifier:
    events = pd.events_session(server.routing_key, base_url=server.events_url)
    return Notifier(
        db,
        {"pagerduty": PagerDutyChannel(events), **channels},  # type: ignore[dict-item]
        retry=FAST,
    )


def _timeline(db: Database, incident_id: int | None) -> list[str]:
    with db.session() as s:
        rows = s.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)).all()
    return [r.text for r in rows]


def test_pagerduty_5xx_is_retried_then_sent_once(
    sqlite_database: Database, server: LocalPagerDuty
) -> None:
    inc = _incident(sqlite_database)
    notifier = _notifier(sqlite_database, server)
    server.fail_next("events", 503, times=2)
    out = notifier.send(PD, _msg(inc), dedup_key="k1")
    assert (out.status, out.attempts) == ("sent", 3)
    assert len(server.events_for(inc.pagerduty_dedup_key or "")) == 1
    again = notifier.send(PD, _msg(inc), dedup_key="k1")  # a retried job / re-fired timer
    assert again.status == "duplicate"
    assert len(server.events_for(inc.pagerduty_dedup_key or "")) == 1


def test_pagerduty_429_until_the_last_try_is_a_visible_failure(
    sqlite_database: Database, server: LocalPagerDuty
) -> None:
    inc = _incident(sqlite_database, slack_channel="C1", slack_ts="1.0")
    slack = SlackOutbox()
    notifier = _notifier(sqlite_database, server, slack=slack)
    server.fail_next("events", 429, times=3)
    out = notifier.send(PD, _msg(inc), dedup_key="k2")
    assert (out.status, out.attempts) == ("failed", 3) and "429" in (out.error or "")
    with sqlite_database.session() as s:
        row = s.exec(select(Notification).where(Notification.dedup_key == "k2")).one()
    assert (row.status, row.attempts) == ("failed", 3)
    assert any(
        t.startswith("notification failed: pagerduty") for t in _timeline(sqlite_database, inc.id)
    )
    ((target, note),) = slack.sent
    assert target.kind is TargetKind.SLACK_THREAD and target.ref == "C1/1.0"
    assert "was not delivered" in note.text
    assert notifier.send(PD, _msg(inc), dedup_key="k2").status == "duplicate"  # not resent


def test_permanent_error_is_not_retried(sqlite_database: Database, server: LocalPagerDuty) -> None:
    inc = _incident(sqlite_database)
    server.fail_next("events", 400)
    out = _notifier(sqlite_database, server).send(PD, _msg(inc), dedup_key="k3")
    assert (out.status, out.attempts) == ("failed", 1)


def test_concurrent_senders_of_one_key_send_once(
    database: Database, server: LocalPagerDuty
) -> None:
    inc = _incident(database)
    notifier = _notifier(database, server)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def go() -> None:
        barrier.wait()
        outcomes.append(notifier.send(PD, _msg(inc), dedup_key="same").status)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    with database.session() as s:
        assert len(s.exec(select(Notification).where(Notification.dedup_key == "same")).all()) == 1
    assert outcomes.count("sent") >= 1
    assert outcomes.count("sent") + outcomes.count("duplicate") == 4


def test_smtp_4xx_retried_5xx_failed_at_once_down_failed_after_retries(
    sqlite_database: Database, server: LocalPagerDuty, smtp: LocalSmtp
) -> None:
    inc = _incident(sqlite_database)
    email = EmailChannel(SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False))
    notifier = _notifier(sqlite_database, server, email=email)
    to = Target(kind=TargetKind.EMAIL, ref="oncall@example.com")
    before = len(smtp.mail)
    smtp.fail_next("451 4.3.0 try again later", "421 4.7.0 busy")
    out = notifier.send(to, _msg(inc), dedup_key="e1")
    assert (out.status, out.attempts) == ("sent", 3)
    assert len(smtp.mail) == before + 1
    assert smtp.mail[-1]["Subject"] == "[CRITICAL] payments down"
    smtp.fail_next("554 5.7.1 rejected")
    out = notifier.send(to, _msg(inc), dedup_key="e2")
    assert (out.status, out.attempts) == ("failed", 1)
    down = EmailChannel(SmtpConfig(host="127.0.0.1", port=1, starttls=False, timeout=1))
    out = _notifier(sqlite_database, server, email=down).send(to, _msg(inc), dedup_key="e3")
    assert (out.status, out.attempts) == ("failed", 3) and "unreachable" in (out.error or "")


def test_teams_card_with_retry(
    sqlite_database: Database, server: LocalPagerDuty, receiver: Receiver
) -> None:
    inc = _incident(sqlite_database)
    with httpx.Client() as http:
        notifier = _notifier(sqlite_database, server, teams=TeamsChannel(http, receiver.url))
        receiver.script = [503]
        before = len(receiver.received)
        out = notifier.send(Target(kind=TargetKind.TEAMS), _msg(inc), dedup_key="t1")
    assert (out.status, out.attempts) == ("sent", 2)
    (got,) = receiver.received[before:]
    card = got.json()["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == "payments down"


def test_webhook_is_signed_and_carries_the_dedup_key(
    sqlite_database: Database, server: LocalPagerDuty, receiver: Receiver
) -> None:
    inc = _incident(sqlite_database)
    with httpx.Client() as http:
        hook = WebhookChannel(http, secret="s3cret", default_url=receiver.url)
        notifier = _notifier(sqlite_database, server, webhook=hook)
        before = len(receiver.received)
        assert (
            notifier.send(Target(kind=TargetKind.WEBHOOK), _msg(inc), dedup_key="w1").status
            == "sent"
        )
        receiver.script = [404]
        out = notifier.send(Target(kind=TargetKind.WEBHOOK), _msg(inc), dedup_key="w2")
    assert (out.status, out.attempts) == ("failed", 1)
    (got,) = receiver.received[before:]
    h = {k.lower(): v for k, v in got.headers.items()}
    assert h["idempotency-key"] == "w1"
    ts, sig = h["x-aiops-timestamp"], h["x-aiops-signature"]
    assert verify("s3cret", ts, got.body, sig, now=time.time())
    assert not verify("other", ts, got.body, sig, now=time.time())
    assert not verify("s3cret", ts, got.body + b" ", sig, now=time.time())
    assert got.json()["incident_id"] == inc.id


def test_rate_limit_folds_repeats_per_alert_pattern(sqlite_database: Database) -> None:
    clock = SandboxClock(datetime(2026, 3, 1, tzinfo=UTC))
    slack = SlackOutbox()
    notifier = Notifier(sqlite_database, {"slack": slack}, clock=clock, retry=FAST, rate_per_hour=2)
    chan = Target(kind=TargetKind.SLACK_CHANNEL, ref="#alerts")
    other = _incident(sqlite_database, group_key="disk-full:db-2")
    statuses = []
    for n in range(5):
        inc = _incident(sqlite_database, group_key="latency:api")
        statuses.append(notifier.send(chan, _msg(inc), dedup_key=f"r{n}", rate_limited=True).status)
        clock.advance(timedelta(minutes=1))
    assert statuses == ["sent", "sent", "suppressed", "suppressed", "suppressed"]
    assert notifier.send(chan, _msg(other), dedup_key="o1", rate_limited=True).status == "sent"
    clock.advance(timedelta(hours=1))
    inc = _incident(sqlite_database, group_key="latency:api")
    assert notifier.send(chan, _msg(inc), dedup_key="r9", rate_limited=True).status == "sent"
    assert "(+3 similar notifications folded)" in slack.sent[-1][1].text

"""End to end: an example scenario's critical alert → PagerDuty event with the incident's dedup key
→ nobody acks → level 2 paged on time → Ack in Slack → PagerDuty acknowledged, level 3 never fires.

Real pdpyras sessions against the local PagerDuty server, real smtplib against aiosmtpd, the
database on SQLite and Postgres, the sandbox clock advanced by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import col, select

from bot.clock import SandboxClock
from bot.config import load_settings
from bot.escalate.config import parse_escalation
from bot.escalate.flows import Paging
from bot.escalate.jobs import EscalationWorker
from bot.escalate.setup import build_paging
from bot.notify.models import Message, Target
from bot.store import Database, EscalationTimer, Incident, Member, Team, TimelineEvent
from sandbox.pagerduty_server import LocalPagerDuty
from tests.integration.notify.receiver import Received, Receiver
from tests.integration.notify.smtp import LocalSmtp

SECRET = "pd-webhook-secret"


class SlackOutbox:
    """The Slack port, recording (the Web API adapter is wired by handlers/)."""

    def __init__(self) -> None:
        self.sent: list[tuple[Target, Message]] = []

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        self.sent.append((target, message))


def _critical_alert(scenarios_dir: Path) -> dict[str, Any]:
    for path in sorted(scenarios_dir.glob("*.yaml")):
        for alert in yaml.safe_load(path.read_text()).get("alerts", []):
            if alert.get("severity") == "critical":
                return dict(alert)
    pytest.skip("no example scenario has a critical alert")


@pytest.fixture
def world(database: Database, scenarios_dir: Path) -> Iterator[dict[str, Any]]:
    alert = _critical_alert(scenarios_dir)
    clock = SandboxClock(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    hooks = Receiver()
    with (
        LocalPagerDuty(webhook_url=hooks.url, webhook_secret=SECRET, clock=clock) as pd,
        LocalSmtp() as smtp,
    ):
        alice = pd.state.add_user("Alice", "alice@example.com")
        bob = pd.state.add_user("Bob", "bob@example.com")
        carol = pd.state.add_user("Carol", "carol@example.com")
        primary = pd.state.add_schedule("Primary", [alice])
        pd.state.add_policy("Ops", [(5, [primary]), (5, [bob]), (5, [carol])])
        settings = load_settings(
            pagerduty_routing_key=pd.routing_key,
            pagerduty_api_token=pd.token,
            pagerduty_events_url=pd.events_url,
            pagerduty_api_url=pd.api_url,
            pagerduty_from_email="aiops-bot@example.com",
            aiops_smtp_host="127.0.0.1",
            aiops_smtp_port=smtp.port,
            aiops_smtp_starttls=False,
            aiops_notify_backoff_s=0.01,
            aiops_notify_attempts=3,
        )
        pd.state.add_user("aiops bot", "aiops-bot@example.com")
        config = parse_escalation(
            f"""
policies:
  - name: ops
    teams: [ops]
    levels:
      - escalate_after: 5m
        targets: [{{kind: pagerduty_schedule, ref: {primary}}}]
      - escalate_after: 5m
        targets: [{{kind: pagerduty_user, ref: {bob}}}, {{kind: email, ref: bob@example.com}}]
      - escalate_after: 5m
        targets: [{{kind: pagerduty_user, ref: {carol}}}]
notifications:
  rules:
    - name: incident channel
      match: {{event: [incident_opened, acknowledged]}}
      targets: [{{kind: slack_channel, ref: "#incidents"}}]
"""
        )
        slack = SlackOutbox()
        paging = build_paging(settings, database, clock=clock, slack=slack, config=config)
        with database.session() as s:
            team = s.exec(select(Team).where(Team.name == "ops")).one()
            s.add(Member(slack_user_id="UBOB", name="Bob", email="bob@example.com"))
            incident = Incident(
                title=f"{alert['name']}: {alert['summary']}",
                severity=alert["severity"],
                services=[alert["service"]],
                team_id=team.id,
                created_at=clock.now(),
            )
            s.add(incident)
            s.flush()
        yield {
            "pd": pd,
            "smtp": smtp,
            "clock": clock,
            "paging": paging,
            "slack": slack,
            "incident": incident,
            "hooks": hooks,
            "ids": {"alice": alice, "bob": bob, "carol": carol},
            "worker": EscalationWorker(paging, worker_id="w1", lease=timedelta(seconds=60)),
        }
    hooks.close()


def _levels_fired(db: Database, incident_id: int) -> list[int]:
    with db.session() as s:
        rows = s.exec(
            select(EscalationTimer)
            .where(
                EscalationTimer.incident_id == incident_id,
                col(EscalationTimer.fired_at).is_not(None),
            )
            .order_by(col(EscalationTimer.level))
        ).all()
    return [r.level for r in rows]


def test_page_escalate_ack_stops(world: dict[str, Any], database: Database) -> None:
    pd: LocalPagerDuty = world["pd"]
    paging: Paging = world["paging"]
    clock: SandboxClock = world["clock"]
    worker: EscalationWorker = world["worker"]
    ids = world["ids"]
    incident: Incident = world["incident"]
    assert incident.id is not None

    assert paging.on_incident_opened(incident) == 3
    assert paging.on_incident_opened(incident) == 0  # a retried hook creates nothing new
    with database.session() as s:
        stored = s.get(Incident, incident.id)
        assert stored is not None and stored.pagerduty_dedup_key
        key = stored.pagerduty_dedup_key
    assert [t.label() for t, _ in world["slack"].sent] == ["slack_channel:#incidents"]

    # level 1 fires at once: one PagerDuty event with our dedup key, assigned to the on-call
    assert worker.tick() == 1
    (event,) = pd.events_for(key)
    assert event["event_action"] == "trigger" and event["payload"]["severity"] == "critical"
    assert pd.incident(key).assignees == [ids["alice"]]  # type: ignore[union-attr]

    # nobody acks: nothing happens before the delay, level 2 right after it
    clock.advance(timedelta(minutes=4, seconds=59))
    assert worker.tick() == 0
    clock.advance(timedelta(seconds=1))
    assert worker.tick() == 1
    assert pd.incident(key).assignees == [ids["bob"]]  # type: ignore[union-attr]
    assert [m["To"] for m in world["smtp"].mail] == ["bob@example.com"]
    assert len(pd.state.incidents) == 1  # still one PagerDuty incident
    with database.session() as s:
        steps = s.exec(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "escalation")
            .order_by(col(TimelineEvent.id))
        ).all()
    assert [e.data.get("level") for e in steps] == [None, 1, 2]
    assert steps[2].data["late_s"] == 0.0  # fired exactly when due on the sandbox clock

    # the PagerDuty webhook handler (another module) calls the hook with source="pagerduty";
    # here the receiver does what it does, to prove nothing loops back to PagerDuty
    seen: list[Received] = []

    def handler(got: Received) -> int:
        seen.append(got)
        paging.on_incident_acknowledged(incident, "pagerduty")
        return 200

    world["hooks"].on_request = handler

    # Bob acks in Slack
    clock.advance(timedelta(minutes=1))
    with database.session() as s:
        row = s.get(Incident, incident.id)
        assert row is not None
        row.status, row.acknowledged_by, row.acknowledged_at = "acknowledged", "UBOB", clock.now()
        s.add(row)
    paging.on_incident_acknowledged(incident, "slack")
    pd.wait_webhooks()
    record = pd.incident(key)
    assert record is not None and record.status == "acknowledged"
    assert record.acknowledged_by == ids["bob"]  # acked as Bob, mapped by his email
    assert (
        len(seen) == 1
        and json.loads(seen[0].body)["event"]["event_type"] == "incident.acknowledged"
    )
    puts = [r for r in pd.requests if r[0] == "PUT"]
    paging.on_incident_acknowledged(incident, "slack")  # a duplicate click: no second ack
    assert [r for r in pd.requests if r[0] == "PUT"] == puts

    # level 3 never fires
    clock.advance(timedelta(hours=1))
    assert worker.tick() == 0
    assert _levels_fired(database, incident.id) == [1, 2]
    assert ids["carol"] not in pd.incident(key).assignees  # type: ignore[union-attr]
    with database.session() as s:
        texts = [
            e.text
            for e in s.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id))
        ]
    assert any("Escalation stopped: acknowledged via slack; 1 pending" in t for t in texts)


def test_ack_from_pagerduty_stops_escalation_without_calling_back(
    world: dict[str, Any], database: Database
) -> None:
    pd: LocalPagerDuty = world["pd"]
    paging: Paging = world["paging"]
    incident: Incident = world["incident"]
    assert incident.id is not None
    paging.on_incident_opened(incident)
    world["worker"].tick()
    with database.session() as s:
        row = s.get(Incident, incident.id)
        assert row is not None and row.pagerduty_dedup_key is not None  # paged as it opened
        key = row.pagerduty_dedup_key
    world["hooks"].on_request = lambda got: paging.on_incident_acknowledged(incident, "pagerduty")
    before = list(pd.requests)
    assert pd.ack_from_pagerduty(key) == [200]
    assert pd.requests == before  # the hook did not call PagerDuty back
    world["clock"].advance(timedelta(hours=1))
    assert world["worker"].tick() == 0
    assert _levels_fired(database, incident.id) == [1]


def test_slack_ack_of_an_incident_that_came_from_pagerduty_acks_it_there(
    world: dict[str, Any], database: Database
) -> None:
    pd: LocalPagerDuty = world["pd"]
    paging: Paging = world["paging"]
    from integrations import pagerduty as pdapi

    events = pdapi.events_session(pd.routing_key, base_url=pd.events_url)
    pdapi.trigger(events, dedup_key="ext-123", summary="from PagerDuty", source="monitor")
    with database.session() as s:
        inc = Incident(
            title="from PagerDuty",
            severity="warning",
            pagerduty_dedup_key="ext-123",
            status="acknowledged",
            acknowledged_by="UBOB",
        )
        s.add(inc)
        s.flush()
    paging.on_incident_acknowledged(inc, "slack")
    record = pd.incident("ext-123")
    assert record is not None and record.status == "acknowledged"
    assert record.acknowledged_by == world["ids"]["bob"]

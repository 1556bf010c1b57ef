"""escalation.yaml validation, rule routing, snooze, and the on-call view (local PagerDuty)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SandboxClock
from bot.config import load_settings
from bot.errors import NotFound, UserError
from bot.escalate.config import load_escalation_file, parse_escalation
from bot.escalate.flows import Paging
from bot.escalate.jobs import EscalationWorker
from bot.escalate.oncall import who_is_on_call
from bot.escalate.setup import build_paging
from bot.notify.models import Event, Message, Target, TargetKind
from bot.notify.rules import route
from bot.store import Database, Incident, Team
from sandbox.pagerduty_server import LocalPagerDuty


class SlackOutbox:
    def __init__(self) -> None:
        self.sent: list[tuple[Target, Message]] = []

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        self.sent.append((target, message))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("policies: [{name: a, levels: []}]", "policies.0.levels"),
        ("policies: [{name: a, levels: [{targets: [{kind: fax}]}]}]", "kind"),
        (
            "policies: [{name: a, levels: [{escalate_after: soon, targets: [{kind: pagerduty}]}]}]",
            "duration like 5m",
        ),
        ("policies: [{name: a, colour: red, levels: [{targets: [{kind: pagerduty}]}]}]", "colour"),
        ("default_policy: nope", "not a policy name"),
        (
            "policies: [{name: a, teams: [x], levels: [{targets: [{kind: pagerduty}]}]},"
            " {name: b, teams: [x], levels: [{targets: [{kind: pagerduty}]}]}]",
            "listed twice",
        ),
        ("policies: [oops", "not valid YAML"),
        ("- 1", "expected a mapping"),
    ],
)
def test_bad_escalation_files_get_a_clear_message(text: str, needle: str) -> None:
    with pytest.raises(UserError) as err:
        parse_escalation(text)
    assert needle in str(err.value)


def test_missing_file_names_the_setting(tmp_path: object) -> None:
    from pathlib import Path

    with pytest.raises(UserError) as err:
        load_escalation_file(Path(str(tmp_path)) / "nope.yaml")
    assert "AIOPS_ESCALATION_FILE" in str(err.value)


def test_rules_route_by_severity_service_team_and_event() -> None:
    cfg = parse_escalation(
        """
notifications:
  rules:
    - name: crit
      match: {severity: [critical], event: [incident_opened]}
      targets: [{kind: pagerduty}, {kind: email, ref: a@example.com}]
    - name: payments
      match: {service: [payments-api], team: [pay]}
      targets: [{kind: email, ref: a@example.com}, {kind: slack_channel, ref: "#pay"}]
      rate_limited: false
"""
    ).notifications
    got = route(cfg, event=Event.INCIDENT_OPENED, severity="critical", services=["x"], team=None)
    assert [t.label() for t, _ in got] == ["pagerduty", "email:a@example.com"]
    got = route(
        cfg, event=Event.INCIDENT_OPENED, severity="critical", services=["payments-api"], team="pay"
    )
    assert [(t.label(), limited) for t, limited in got] == [
        ("pagerduty", True),
        ("email:a@example.com", False),  # reached by a rule that is not rate limited
        ("slack_channel:#pay", False),
    ]
    got = route(cfg, event=Event.APPROVAL_NEEDED, severity="warning", services=["x"], team="pay")
    assert got == []


@pytest.fixture
def pd_server() -> Iterator[LocalPagerDuty]:
    with LocalPagerDuty() as srv:
        yield srv


def _paging(db: Database, srv: LocalPagerDuty, clock: SandboxClock, slack: SlackOutbox) -> Paging:
    alice = srv.state.add_user("Alice", "alice@example.com")
    bob = srv.state.add_user("Bob", "bob@example.com")
    sched = srv.state.add_schedule("Primary", [alice])
    srv.state.add_policy("Ops", [(5, [sched]), (5, [bob])])
    settings = load_settings(
        pagerduty_routing_key=srv.routing_key,
        pagerduty_api_token=srv.token,
        pagerduty_events_url=srv.events_url,
        pagerduty_api_url=srv.api_url,
        pagerduty_from_email="alice@example.com",
        aiops_notify_backoff_s=0.01,
    )
    cfg = parse_escalation(
        f"""
policies:
  - name: ops
    teams: [ops]
    levels:
      - escalate_after: 5m
        targets: [{{kind: pagerduty_schedule, ref: {sched}}}, {{kind: slack_channel, ref: "#ops"}}]
      - escalate_after: 10m
        targets: [{{kind: pagerduty_user, ref: {bob}}}]
default_policy: ops
"""
    )
    return build_paging(settings, db, clock=clock, slack=slack, config=cfg)


def test_snooze_silences_and_pushes_levels_later(
    sqlite_database: Database, pd_server: LocalPagerDuty
) -> None:
    clock = SandboxClock(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    slack = SlackOutbox()
    paging = _paging(sqlite_database, pd_server, clock, slack)
    with sqlite_database.session() as s:
        inc = Incident(title="disk 91%", severity="critical", created_at=clock.now())
        s.add(inc)
        s.flush()
    assert inc.id is not None
    worker = EscalationWorker(paging, worker_id="w")
    paging.on_incident_opened(inc)
    assert worker.tick() == 1
    assert paging.snooze(inc.id, clock.now() + timedelta(hours=2), by="U1") == 1
    clock.advance(timedelta(minutes=30))
    assert worker.tick() == 0  # level 2 moved past the snooze
    direct = Target(kind=TargetKind.SLACK_CHANNEL, ref="#ops")
    msg = Message(title="t", text="x", incident_id=inc.id)
    assert paging.notifier.send(direct, msg, dedup_key="during").status == "suppressed"
    clock.advance(timedelta(hours=2))
    assert worker.tick() == 1
    assert paging.notifier.send(direct, msg, dedup_key="after").status == "sent"
    with pytest.raises(UserError):
        paging.snooze(inc.id, clock.now() - timedelta(minutes=1), by="U1")


def test_who_is_on_call_names_people_from_pagerduty(
    sqlite_database: Database, pd_server: LocalPagerDuty
) -> None:
    clock = SandboxClock(datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
    paging = _paging(sqlite_database, pd_server, clock, SlackOutbox())
    view = who_is_on_call(paging, team="ops")
    assert view.policy == "ops" and view.on_call_now == ["Alice", "#ops"]
    assert [[t.who for t in lv.targets] for lv in view.levels] == [[["Alice"], ["#ops"]], [["Bob"]]]
    assert [lv.escalate_after_s for lv in view.levels] == [300, 600]
    assert who_is_on_call(paging).policy == "ops"
    with pytest.raises(NotFound):
        who_is_on_call(paging, team="nobody")
    with sqlite_database.session() as s:
        s.add(Team(name="lonely"))
    assert who_is_on_call(paging, team="lonely").policy == "ops"  # no policy: the default
    pd_server.fail_next("rest", 503, times=5)
    view = who_is_on_call(paging, team="ops")
    assert view.warnings and view.levels[0].targets[0].who == [view.levels[0].targets[0].ref]

"""The 3 AM page that investigates itself, end to end, through the process ``aiops run`` starts:

a monitoring tool pages PagerDuty (Events API v2, the local PagerDuty server) → PagerDuty's
signed v3 ``incident.triggered`` webhook → an incident and its Slack message (the local Slack
server) → the automatic investigation against an example scenario's sandbox world → the top
hypothesis in the Slack thread ("investigated automatically") and as a note on the page, while
the page is still unanswered → Acknowledge clicked in Slack (real Bolt socket mode) → the page
acknowledged in PagerDuty, by that person, and nothing loops back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.store import Database, Incident, TimelineEvent
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from bot.teams.members import add_member
from handlers.blocks.ids import ActionId
from handlers.slack.wiring import Runtime, built_once
from integrations import pagerduty as pd
from sandbox.investigate.context import context_for_world as investigation_context_for
from sandbox.pagerduty_server import LocalPagerDuty
from sandbox.remediate.context import context_for_world as action_context_for
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack, Message
from sandbox.world import SandboxWorld
from tests.conftest import example_scenarios

SECRET = "pd-webhook-secret-e2e"
OPERATOR, EMAIL = "UPDOPS001", "oncall@example.com"
BOT_EMAIL = "aiops-bot@example.com"
POLICY = "default: critical\npolicies: [{name: critical, when: [{severities: [critical]}]}]\n"

pytestmark = pytest.mark.timeout(300)


def _critical_scenario() -> tuple[Path, Any]:
    for path in example_scenarios():
        scenario = load_scenario(path).scenario
        alert = next((a for a in scenario.alerts if a.severity == "critical"), None)
        if alert is not None and alert.service:
            return path, alert
    pytest.skip("no example scenario has a critical alert on a service")


@dataclass
class Env:
    slack: LocalSlack
    pd: LocalPagerDuty
    runtime: Runtime
    db: Database
    alert: Any
    oncall: str  # the PagerDuty user id of OPERATOR

    def wait(self, predicate: Any, timeout: float = 30.0) -> Any:
        return self.slack.wait_for(predicate, timeout)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    path, alert = _critical_scenario()
    folder = Path(tmp_path_factory.mktemp("pdauto"))
    url = f"sqlite:///{folder / 'aiops.db'}"
    (folder / "auto.yaml").write_text(POLICY)
    db = connect_db(url)
    upgrade(db.engine)
    add_member(db, OPERATOR, ["operator"], email=EMAIL)
    with (
        SandboxWorld(load_scenario(path).scenario) as world,
        LocalSlack() as slack,
        LocalPagerDuty(webhook_secret=SECRET, clock=world.clock, trigger_webhooks=True,
                       service_name=alert.service) as pager,
    ):  # fmt: skip
        oncall = pager.state.add_user("On Call", EMAIL)
        pager.state.add_user("aiops bot", BOT_EMAIL)
        pager.state.add_policy("Ops", [(5, [pager.state.add_schedule("Primary", [oncall])])])
        slack.add_channel("incidents")
        slack.add_user(OPERATOR, "oncall")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-pd", slack_app_token="xapp-pd",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_slack_channel="#incidents",
            aiops_escalation_tick_s=3600, aiops_auto_investigate_file=folder / "auto.yaml",
            pagerduty_routing_key=pager.routing_key, pagerduty_api_token=pager.token,
            pagerduty_events_url=pager.events_url, pagerduty_api_url=pager.api_url,
            pagerduty_from_email=BOT_EMAIL, pagerduty_webhook_secrets=[SECRET],
            aiops_notify_backoff_s=0.05,
        )  # fmt: skip
        runtime = Runtime(
            settings, clock=world.clock,
            investigation_context=built_once(lambda: investigation_context_for(world)),
            action_context=built_once(lambda: action_context_for(world)),
        ).start()  # fmt: skip
        pager.webhook_url = f"http://127.0.0.1:{runtime.http_port}/webhooks/pagerduty"
        try:
            slack.wait_connected()
            yield Env(slack, pager, runtime, db, alert, oncall)
        finally:
            runtime.stop()
            db.dispose()


def _buttons(message: Message) -> set[str]:
    return {
        str(e.get("action_id"))
        for b in message.blocks
        for e in b.get("elements") or []
        if isinstance(e, dict) and e.get("action_id")
    }


def test_a_page_investigates_itself_before_anyone_answers_and_a_slack_ack_answers_it(
    env: Env,
) -> None:
    key = "monitoring-page-1"
    events = pd.events_session(env.pd.routing_key, base_url=env.pd.events_url)
    pd.trigger(events, dedup_key=key, summary=f"{env.alert.name}: {env.alert.summary}",
               source="monitoring", severity="critical")  # fmt: skip

    # the page becomes an incident and its Slack message, with the buttons a person needs
    parent = env.wait(lambda: next(iter(env.slack.messages("incidents")), None))
    assert ActionId.ACKNOWLEDGE in _buttons(parent)

    # the automatic investigation's findings arrive in the thread, marked as such
    def automatic() -> Message | None:
        found = [m for m in env.slack.thread("incidents", parent.ts)
                 if "Investigated automatically" in m.all_text]  # fmt: skip
        return found[0] if found else None

    posted = env.wait(automatic, timeout=120)
    assert "Hypotheses" in posted.all_text or "cause unknown" in posted.text
    top = posted.text.split("Top hypothesis: ", 1)[1]
    # and the incident's own message says so, with the same line
    env.wait(lambda: parent if "Investigated automatically" in parent.all_text else None)
    assert ActionId.ACKNOWLEDGE in _buttons(parent)

    # the same line is a note on the page, and the page is still unanswered
    notes = env.wait(lambda: env.pd.notes(key) or None)
    assert notes == [f"aiops investigated automatically. Top hypothesis: {top}"]
    page = env.pd.incident(key)
    assert page is not None and page.status == "triggered"
    assert len(env.pd.state.incidents) == 1  # aiops did not open a second page
    with env.db.session() as s:
        incident = s.exec(select(Incident)).one()
    assert incident.status == "triggered" and incident.pagerduty_dedup_key == key

    # a person acknowledges in Slack: the page is acknowledged in PagerDuty, as that person
    env.slack.click_button(OPERATOR, ActionId.ACKNOWLEDGE, message_ts=parent.ts)
    env.wait(lambda: parent if "acknowledged" in parent.all_text else None)
    env.wait(lambda: page.status == "acknowledged" or None)
    assert page.acknowledged_by == env.oncall
    env.pd.wait_webhooks()  # PagerDuty's incident.acknowledged comes back: nothing loops
    assert len(env.pd.state.incidents) == 1
    acks = [e for e in env.pd.events_for(key) if e.get("event_action") == "acknowledge"]
    assert acks == []  # acknowledged once, through the REST API as the person
    with env.db.session() as s:
        row = s.exec(select(Incident)).one()
        statuses = list(s.exec(select(TimelineEvent).where(TimelineEvent.kind == "status")))
    assert (row.status, row.acknowledged_by) == ("acknowledged", OPERATOR)
    assert [e.actor for e in statuses] == [OPERATOR]

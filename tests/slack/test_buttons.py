"""Buttons, the resolve modal and App Home, clicked through the local Slack server."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.errors import Conflict
from bot.jobs import JobRunner
from handlers.blocks import incident_message, investigation_summary
from handlers.blocks.ids import ActionId, BlockId, FeedbackRef, InputId
from handlers.blocks.models import (
    ActionView,
    ApprovalView,
    HomeView,
    HypothesisView,
    IncidentCard,
    InvestigationView,
    OnCallView,
)
from handlers.slack.services import Reply
from sandbox.slack import LocalSlack, Message
from tests.slack.helpers import FakeServices, ephemeral


def post_incident(slack: LocalSlack, bolt: App, incident: IncidentCard) -> Message:
    """The app posts an incident message (as the incident flow will)."""
    bolt.client.chat_postMessage(
        channel="#incidents", text=incident.title, blocks=incident_message(incident)
    )
    return slack.messages("incidents")[-1]


INCIDENT = IncidentCard(
    id=42, title="Checkout latency high", severity="critical", status="triggered", alert_count=3
)


def test_acknowledge_calls_the_service_as_the_clicking_user(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    msg = post_incident(slack, bolt, INCIDENT)
    ack = slack.wait_ack(slack.click_button(user, ActionId.ACKNOWLEDGE, message_ts=msg.ts))
    assert ack.latency is not None and ack.latency < 3.0
    ephemeral(slack, user, "not available yet")
    (call,) = fake.calls_by(user)
    assert call.name == "acknowledge" and call.args[1] == 42
    assert call.args[0].channel_id == slack.channel_id("incidents")


def test_reply_can_rerender_the_clicked_message(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    def acknowledge(actor: Any, incident_id: int) -> Reply:
        view = IncidentCard(**{**INCIDENT.__dict__, "status": "acknowledged"})
        return Reply("acked", blocks=incident_message(view), replace_original=True)

    fake.overrides["acknowledge"] = acknowledge
    msg = post_incident(slack, bolt, INCIDENT)
    slack.click_button(user, ActionId.ACKNOWLEDGE, message_ts=msg.ts)
    updated = slack.wait_for(lambda: msg if msg.edits else None)
    assert "acknowledged" in updated.all_text
    assert ActionId.ACKNOWLEDGE not in str(updated.blocks)  # no second Acknowledge button
    assert ActionId.RESOLVE in str(updated.blocks)


def test_public_reply_goes_in_the_thread_of_the_message(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    fake.overrides["investigate_incident"] = lambda a, i: Reply(f"findings for #{i}", public=True)
    msg = post_incident(slack, bolt, INCIDENT)
    slack.click_button(user, ActionId.INVESTIGATE, message_ts=msg.ts)
    ephemeral(slack, user, "Investigating…")  # visible at once, before the work
    replies = slack.wait_for(lambda: slack.thread("incidents", msg.ts))
    assert replies[0].text == "findings for #42"


def test_double_click_runs_once(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    msg = post_incident(slack, bolt, INCIDENT)
    first = slack.click_button(user, ActionId.ACKNOWLEDGE, message_ts=msg.ts)
    second = slack.click_button(user, ActionId.ACKNOWLEDGE, message_ts=msg.ts)
    slack.wait_ack(first), slack.wait_ack(second)
    ephemeral(slack, user, "already pressed *Acknowledge*")
    ephemeral(slack, user, "not available yet")
    assert [c.name for c in fake.calls_by(user)] == ["acknowledge"]


def test_redelivered_click_runs_once_but_another_user_is_not_deduplicated(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    other = user + "B"
    slack.add_user(other, "other")
    msg = post_incident(slack, bolt, INCIDENT)
    for who in (user, user, other):
        slack.click_button(who, ActionId.ACKNOWLEDGE, message_ts=msg.ts, action_ts="1.000001")
    ephemeral(slack, user, "already pressed")
    ephemeral(slack, other, "not available yet")
    assert len(fake.calls_by(user)) == 1 and len(fake.calls_by(other)) == 1


def test_forged_button_value_is_refused_clearly(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    msg = post_incident(slack, bolt, INCIDENT)
    action = {"action_id": ActionId.ACKNOWLEDGE, "block_id": "x", "value": "{not json"}
    slack.send_block_action(user, {**action, "type": "button", "action_ts": "2.0"}, message=msg)
    ephemeral(slack, user, "This button is out of date or malformed")
    assert fake.calls_by(user) == []


def test_unexpected_error_on_click_gives_an_error_id(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    def boom(actor: Any, incident_id: int) -> Reply:
        raise KeyError("internal detail")

    fake.overrides["acknowledge"] = boom
    msg = post_incident(slack, bolt, INCIDENT)
    slack.click_button(user, ActionId.ACKNOWLEDGE, message_ts=msg.ts)
    shown = ephemeral(slack, user, "Something went wrong")
    assert re.search(r"error id [0-9a-f]{8}", shown.all_text)
    assert "internal detail" not in shown.all_text


def test_resolve_opens_a_modal_and_the_submission_resolves(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    fake.overrides["resolve"] = lambda a, i, note: Reply(f"resolved #{i}: {note}", public=True)
    msg = post_incident(slack, bolt, INCIDENT)
    slack.click_button(user, ActionId.RESOLVE, message_ts=msg.ts)
    modal = slack.wait_for(lambda: next(iter(slack.views(user)), None))
    assert modal.type == "modal" and "#42" in modal.all_text
    values: dict[str, dict[str, Any]] = {BlockId.RESOLVE_NOTE: {InputId.RESOLVE_NOTE: "x" * 2001}}
    slack.wait_ack(slack.submit_view(user, modal.id, values))
    assert BlockId.RESOLVE_NOTE in modal.errors and not modal.closed
    values = {BlockId.RESOLVE_NOTE: {InputId.RESOLVE_NOTE: "rolled back v2"}}
    slack.wait_ack(slack.submit_view(user, modal.id, values))
    assert modal.closed
    replies = slack.wait_for(lambda: slack.thread("incidents", msg.ts))
    assert replies[0].text == "resolved #42: rolled back v2"
    assert [(c.name, c.args[1:]) for c in fake.calls_by(user)] == [
        ("fix_choices", ()), ("resolve", (42, "rolled back v2"))
    ]  # fmt: skip


def test_approve_and_reject_pick_the_request_of_their_row(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    summary = InvestigationView(
        query="latency",
        facts=["p99 up 5x since 10:02"],
        hypotheses=[HypothesisView("bad deploy", 0.8, ["deploy at 10:01"])],
        actions=[
            ActionView("req-1", "Roll back api", "medium"),
            ActionView("req-2", "Scale api to 6", "low"),
        ],
        incident_id=42,
    )
    bolt.client.chat_postMessage(
        channel="#incidents", text="summary", blocks=investigation_summary(summary)
    )
    msg = slack.messages("incidents")[-1]
    slack.click_button(
        user, ActionId.APPROVE, message_ts=msg.ts, block_id=f"{BlockId.APPROVAL_PREFIX}req-2"
    )
    slack.click_button(
        user, ActionId.REJECT, message_ts=msg.ts, block_id=f"{BlockId.APPROVAL_PREFIX}req-1"
    )
    slack.click_button(user, ActionId.FEEDBACK_FIXED, message_ts=msg.ts)
    slack.wait_for(lambda: len(fake.calls_by(user)) == 3)
    calls = {c.name: c.args[1:] for c in fake.calls_by(user)}
    assert calls["approve"] == ("req-2",)
    assert calls["reject"] == ("req-1", None)
    assert calls["feedback"] == (FeedbackRef(incident_id=42), "fixed")


def test_domain_conflict_on_approve_is_shown(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    def approve(actor: Any, request_id: str) -> Reply:
        raise Conflict(f"{request_id} needs a second approver, not the requester")

    fake.overrides["approve"] = approve
    home = HomeView(pending_approvals=[ApprovalView("req-7", "Restart pods", "high", user)])
    fake.overrides["home"] = lambda actor: home
    slack.open_app_home(user)
    view = slack.wait_for(lambda: slack.home(user))
    slack.click_button(user, ActionId.APPROVE, view_id=view.id)
    # a click in App Home has no response_url and no channel: the answer comes as a DM
    dm = slack.state.dm_channel(user).id
    posted = slack.wait_for(lambda: slack.messages(dm))
    assert "req-7 needs a second approver" in posted[0].text


def test_app_home_shows_incidents_approvals_and_oncall(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    fake.overrides["home"] = lambda actor: HomeView(
        open_incidents=[INCIDENT],
        pending_approvals=[ApprovalView("req-3", "Roll back api", "medium", "U0ALICE")],
        oncall=[OnCallView("primary", actor.user_id)],
    )
    slack.open_app_home(user)
    view = slack.wait_for(lambda: slack.home(user))
    text = view.all_text
    assert "Checkout latency high" in text and "Roll back api" in text
    assert f"<@{user}>" in text
    assert ActionId.APPROVE in str(view.blocks)


def test_retried_event_is_processed_once(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices, jobs: JobRunner
) -> None:
    event_id = f"Ev{user}"
    first = slack.open_app_home(user, event_id=event_id)
    retry = slack.open_app_home(user, event_id=event_id, retry_num=1, retry_reason="timeout")
    slack.wait_ack(first), slack.wait_ack(retry)  # Slack must see both acked
    key = f"slack:event:{event_id}"
    slack.wait_for(lambda: [k for k in fake.dedup_keys if k[0] == key][1:])
    slack.wait_for(lambda: slack.home(user))
    assert jobs.wait_idle(5)
    assert [c.name for c in fake.calls_by(user)] == ["home"]
    assert sum(1 for c in slack.api_calls("views.publish") if c.params["user_id"] == user) == 1


def test_home_error_is_published_with_an_error_id(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    def broken(actor: Any) -> HomeView:
        raise ZeroDivisionError

    fake.overrides["home"] = broken
    slack.open_app_home(user)
    view = slack.wait_for(lambda: slack.home(user))
    assert re.search(r"error id [0-9a-f]{8}", view.all_text)


def test_listener_error_after_ack_still_acks_and_explains(
    slack: LocalSlack, bolt: App, user: str, fake: FakeServices
) -> None:
    msg = post_incident(slack, bolt, INCIDENT)
    action = {"action_id": ActionId.RESOLVE, "block_id": "x", "value": '{"incident_id": "x"}'}
    envelope = slack.send_block_action(
        user, {**action, "type": "button", "action_ts": "3.0"}, message=msg
    )
    assert slack.wait_ack(envelope).latency is not None  # Slack got its ack despite the error
    ephemeral(slack, user, "This button is out of date or malformed")
    assert slack.views(user) == []

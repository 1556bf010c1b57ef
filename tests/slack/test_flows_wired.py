"""The on-call flow end to end through the real wiring: webhook → incident message in Slack →
Acknowledge / Investigate / Approve clicks through the local Slack server (real Bolt socket
mode), a migrated SQLite file, and an example scenario's sandbox world for AWS / Kubernetes.

One ``Runtime`` (what ``aiops run`` starts) serves the whole module; tests run in file order
and share the incident the first one opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from bot.remediate import service as remediate_service
from bot.remediate.policy import Policy
from bot.remediate.registry import all_actions
from bot.store import AuditEntry, Database, Incident, Receipt, RemediationRequest, TimelineEvent
from handlers.blocks.ids import ActionId
from handlers.slack.wiring import Runtime
from sandbox.replay.wire import generic
from sandbox.slack import LocalSlack, Message
from tests.conftest import SCENARIOS_DIR
from tests.slack.helpers import command, ephemeral
from tests.wired import wired_runtime

SCENARIO = SCENARIOS_DIR / "02-k8s-crashloop-bad-env.yaml"  # a medium-risk rollback is the fix
TOKEN = "wired-webhook-token"
REQUESTER, OPERATOR, OPERATOR2, STRANGER = "UREQ0001", "UOPS0001", "UOPS0002", "UNOROLE1"


@dataclass
class Env:
    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    world: Any
    db: Database

    def alert(self, index: int) -> httpx.Response:
        scenario = self.world.scenario
        alert = scenario.alerts[index]
        body = generic(alert, scenario.now + alert.at)
        return self.http.post(
            "/webhooks/generic", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )

    def incident_messages(self) -> list[Message]:
        return self.slack.messages("incidents")

    def wait(self, predicate: Any, timeout: float = 20.0) -> Any:
        return self.slack.wait_for(predicate, timeout)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    members = {REQUESTER: ["operator"], OPERATOR: ["operator"],
               OPERATOR2: ["operator", "responder"]}  # fmt: skip
    with wired_runtime(SCENARIO, tmp_path_factory.mktemp("wired"), token=TOKEN,
                       users=[STRANGER], members=members) as w:  # fmt: skip
        yield Env(w.slack, w.runtime, w.http, w.world, w.db)


def _buttons(message: Message) -> set[str]:
    return {
        str(e.get("action_id"))
        for b in message.blocks
        for e in b.get("elements") or []
        if isinstance(e, dict) and e.get("action_id")
    }


def _only_incident(env: Env) -> Message:
    messages = env.incident_messages()
    assert len(messages) == 1, [m.text for m in messages]
    return messages[0]


def _incident_row(env: Env) -> Incident:
    with env.db.session() as s:
        return s.exec(select(Incident)).one()


def test_alert_opens_one_message_and_a_second_alert_updates_it_and_folds_in_the_thread(
    env: Env,
) -> None:
    assert env.alert(0).status_code == 200
    first = env.wait(lambda: env.incident_messages() or None)[0]
    assert _buttons(first) == {ActionId.ACKNOWLEDGE, ActionId.INVESTIGATE, ActionId.RESOLVE}
    row = _incident_row(env)
    assert (row.slack_ts, row.slack_channel) == (first.ts, env.slack.channel_id("incidents"))

    assert env.alert(1).status_code == 200
    parent = env.wait(lambda: first if first.edits else None)
    assert "*Alerts*\n2" in parent.all_text
    replies = env.wait(lambda: env.slack.thread("incidents", first.ts) or None)
    assert len(replies) == 1 and "1 new alert" in replies[0].all_text
    assert env.world.scenario.alerts[1].labels["pod"] in replies[0].all_text
    assert _only_incident(env).ts == first.ts  # still ONE incident message


def test_acknowledge_click_updates_in_place_once_with_the_clicker_as_actor(env: Env) -> None:
    message = _only_incident(env)
    edits_before = message.edits
    button = next(
        e for b in message.blocks for e in b.get("elements") or []
        if isinstance(e, dict) and e.get("action_id") == ActionId.ACKNOWLEDGE
    )  # fmt: skip
    action = {**button, "block_id": "incident_actions", "action_ts": "1700000000.000100"}
    first = env.slack.send_block_action(OPERATOR, action, message=message)
    again = env.slack.send_block_action(OPERATOR, action, message=message)  # double click
    assert env.slack.wait_ack(first).latency < 3.0  # type: ignore[operator]
    env.slack.wait_ack(again)
    env.wait(lambda: message if "acknowledged" in message.all_text else None)
    assert message.edits > edits_before and ActionId.ACKNOWLEDGE not in _buttons(message)
    ephemeral(env.slack, OPERATOR, "already pressed")
    with env.db.session() as s:
        acks = list(
            s.exec(select(TimelineEvent).where(col(TimelineEvent.text).contains("acknowledged")))
        )
    assert [(e.kind, e.actor) for e in acks] == [("status", OPERATOR)]
    assert _incident_row(env).acknowledged_by == OPERATOR


def test_investigate_button_acks_at_once_then_posts_findings_with_approve_buttons(
    env: Env,
) -> None:
    message = _only_incident(env)
    envelope = env.slack.click_button(REQUESTER, ActionId.INVESTIGATE, message_ts=message.ts)
    assert env.slack.wait_ack(envelope).latency < 3.0  # type: ignore[operator]
    ephemeral(env.slack, REQUESTER, "Investigating")

    def summary() -> Message | None:
        found = [
            m for m in env.slack.thread("incidents", message.ts) if "Investigation" in m.all_text
        ]
        return found[0] if found else None

    posted = env.wait(summary, timeout=60)
    assert ActionId.APPROVE in _buttons(posted) and ActionId.REJECT in _buttons(posted)
    assert "Hypotheses" in posted.all_text and "Facts" in posted.all_text
    env.wait(lambda: message if "investigating" in message.all_text else None)
    with env.db.session() as s:
        requests = list(s.exec(select(RemediationRequest)))
    assert requests and all(r.requested_by == REQUESTER for r in requests)
    assert all(r.incident_id == _incident_row(env).id for r in requests)


def _summary_with_request(env: Env) -> tuple[Message, RemediationRequest]:
    with env.db.session() as s:
        req = s.exec(
            select(RemediationRequest)
            .where(RemediationRequest.state == "pending")
            .where(col(RemediationRequest.incident_id).is_not(None))
            .order_by(col(RemediationRequest.id))
        ).first()  # fmt: skip
    assert req is not None
    parent = _only_incident(env)
    for m in env.slack.thread("incidents", parent.ts):
        if f"approval:{req.id}" in str(m.blocks):
            return m, req
    raise AssertionError("no summary carries the pending request's buttons")


def test_approve_without_the_role_is_refused_naming_the_role(env: Env) -> None:
    summary, req = _summary_with_request(env)
    env.slack.click_button(STRANGER, ActionId.APPROVE, message_ts=summary.ts,
                           block_id=f"approval:{req.id}")  # fmt: skip
    refusal = ephemeral(env.slack, STRANGER, "needs the role `operator`", timeout=10)
    assert f"aiops member add {STRANGER} --role operator" in refusal.all_text
    assert remediate_service.get(env.db, request_id=req.id or 0).state == "pending"


def test_approve_by_an_operator_executes_once_and_posts_the_outcome(env: Env) -> None:
    summary, req = _summary_with_request(env)
    block = f"approval:{req.id}"
    env.slack.click_button(OPERATOR, ActionId.APPROVE, message_ts=summary.ts, block_id=block)
    parent = _only_incident(env)

    def outcome() -> Message | None:
        for m in env.slack.thread("incidents", parent.ts):
            if f"(request {req.id}): *" in m.text:
                return m
        return None

    posted = env.wait(outcome, timeout=60)
    final = remediate_service.get(env.db, request_id=req.id or 0)
    assert final.state in posted.text and final.state != "pending"
    # a second operator approving afterwards does not run it again
    env.slack.click_button(OPERATOR2, ActionId.APPROVE, message_ts=summary.ts, block_id=block)
    ephemeral(env.slack, OPERATOR2, "nothing to approve", timeout=10)
    with env.db.session() as s:
        entries = list(s.exec(select(AuditEntry).where(AuditEntry.target == req.action)))
    executed = [e for e in entries if e.action == "remediation.execute"]
    approvals = [e for e in entries if e.action == "remediation.approve" and e.result == "approved"]
    assert len(executed) == 1 and executed[0].actor == OPERATOR
    assert [e.actor for e in approvals] == [OPERATOR]
    with env.db.session() as s:
        notes = list(s.exec(select(TimelineEvent).where(TimelineEvent.kind == "action")))
    assert [n.actor for n in notes] == [OPERATOR]


def test_requester_approving_own_high_risk_request_is_refused_with_the_reason(env: Env) -> None:
    # any high-risk registry action: the refusal comes before any preflight
    high = next(a for a in all_actions() if a.risk == "high")
    params = {k: "x" for k, f in high.params.model_fields.items() if f.is_required()}
    proposal = remediate_service.propose(
        env.db, action=high.name, params=params, requested_by=REQUESTER, policy=Policy(),
        incident_id=_incident_row(env).id,
    )  # fmt: skip
    rid = proposal.request.id
    command(env.slack, REQUESTER, f"approve {rid}")
    refusal = ephemeral(env.slack, REQUESTER, "you requested it", timeout=10)
    assert "high risk" in refusal.all_text
    command(env.slack, OPERATOR, f"approve {rid}")
    env.wait(  # public: the channel sees the first of two approvals
        lambda: (
            [m for m in env.slack.messages("general") if "needs 1 more approver" in m.text] or None
        )
    )
    assert remediate_service.get(env.db, request_id=rid or 0).state == "pending"


def test_slash_investigate_acks_visibly_then_posts_the_summary(env: Env) -> None:
    service = env.world.scenario.alerts[0].service
    ack = command(env.slack, OPERATOR2, f'investigate "pods crashlooping on {service}"')
    assert "Investigating" in str(ack.payload) and ack.latency < 3.0  # type: ignore[operator]

    def posted() -> Message | None:
        found = [m for m in env.slack.messages("general") if "Investigation" in m.all_text]
        return found[0] if found else None

    summary = env.wait(posted, timeout=60)
    assert ActionId.APPROVE in _buttons(summary)
    ephemeral(env.slack, OPERATOR2, "Findings posted", timeout=10)


def test_retried_event_is_handled_once_through_the_receipt_table(env: Env) -> None:
    env.slack.open_app_home(OPERATOR, event_id="EvWIRED1")
    env.slack.open_app_home(OPERATOR, event_id="EvWIRED1", retry_num=1)
    home = env.wait(lambda: env.slack.home(OPERATOR))
    assert "Open incidents" in home.all_text and "#1" in home.all_text
    with env.db.session() as s:
        assert s.get(Receipt, "slack:event:EvWIRED1") is not None
    env.runtime.domain.jobs.wait_idle(10)  # type: ignore[union-attr]
    publishes = [c for c in env.slack.api_calls("views.publish") if OPERATOR in str(c.params)]
    assert len(publishes) == 1


def test_assign_then_resolve_with_a_note_from_the_modal(env: Env) -> None:
    parent = _only_incident(env)
    iid = _incident_row(env).id
    command(env.slack, OPERATOR, f"assign {iid} <@{OPERATOR2}>")
    env.wait(lambda: parent if f"<@{OPERATOR2}>" in parent.all_text else None)
    env.slack.click_button(OPERATOR2, ActionId.RESOLVE, message_ts=parent.ts)
    modal = env.wait(lambda: next(iter(env.slack.views(OPERATOR2)), None))
    env.slack.submit_view(
        OPERATOR2, modal.id, {"resolve_note": {"resolve_note_input": "rolled back the bad env"}}
    )
    env.wait(lambda: parent if "resolved" in parent.all_text else None)
    assert ActionId.RESOLVE not in _buttons(parent) and ActionId.INVESTIGATE not in _buttons(parent)
    row = _incident_row(env)
    assert (row.assignee, row.resolved_by, row.resolution_note) == (
        OPERATOR2, OPERATOR2, "rolled back the bad env"
    )  # fmt: skip
    env.wait(
        lambda: [
            m for m in env.slack.thread("incidents", parent.ts)
            if "Resolved by" in m.text and "rolled back the bad env" in m.text
        ] or None
    )  # fmt: skip

"""Learning from outcomes end to end: an alert opens an incident in the local Slack, the
Investigate click posts the summary, and then the feedback buttons, the rating, right / wrong
cause and the resolve modal's "what fixed it" go through the real Bolt socket-mode app into
``bot.learn`` (a migrated SQLite file); ``/aiops fixes`` and ``/aiops stats`` read them back.

One ``Runtime`` (what ``aiops run`` starts) serves the module; tests run in file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from bot.learn.signature import IncidentSignature
from bot.store import CaseSignature, Database, FixOutcome, Incident
from handlers.blocks.ids import ActionId, BlockId, InputId
from handlers.slack.wiring import Runtime
from sandbox.replay.wire import generic
from sandbox.slack import LocalSlack, Message
from tests.conftest import SCENARIOS_DIR
from tests.slack.helpers import command, ephemeral
from tests.wired import wired_runtime

SCENARIO = SCENARIOS_DIR / "01-deploy-db-pool-exhaustion.yaml"
TOKEN = "learn-webhook-token"
OPS, OTHER = "ULRN0001", "ULRN0002"


@dataclass
class Env:
    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    world: Any
    db: Database

    def wait(self, predicate: Any, timeout: float = 20.0) -> Any:
        return self.slack.wait_for(predicate, timeout)

    def outcomes(self) -> list[FixOutcome]:
        with self.db.session() as s:
            return list(s.exec(select(FixOutcome).order_by(col(FixOutcome.id))))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    with wired_runtime(SCENARIO, tmp_path_factory.mktemp("learn"), token=TOKEN,
                       users=[OPS, OTHER]) as w:  # fmt: skip
        alert = w.world.scenario.alerts[0]
        body = generic(alert, w.world.scenario.now + alert.at)
        sent = w.http.post("/webhooks/generic", json=body,
                           headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
        assert sent.status_code < 300, sent.text
        yield Env(w.slack, w.runtime, w.http, w.world, w.db)


def _incident_message(env: Env) -> Message:
    return env.wait(lambda: next(iter(env.slack.messages("incidents")), None))


def _summary(env: Env) -> Message:
    parent = _incident_message(env)
    found = [m for m in env.slack.thread("incidents", parent.ts) if "Investigation" in m.all_text]
    if found:
        return found[0]
    env.slack.click_button(OPS, ActionId.INVESTIGATE, message_ts=parent.ts)

    def posted() -> Message | None:
        found = [
            m for m in env.slack.thread("incidents", parent.ts) if "Investigation" in m.all_text
        ]
        return found[0] if found else None

    return env.wait(posted, timeout=90)


def _element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        for element in [
            *(block.get("elements") or []),
            block.get("accessory"),
            block.get("element"),
        ]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    raise AssertionError(f"no {action_id} in the message")


def _choose(env: Env, user: str, message: Message, action_id: str, option: int) -> None:
    """Pick the ``option``-th option of a select / overflow that is really on the message."""
    block_id, element = _element(message.blocks, action_id)
    chosen = element["options"][option]
    env.slack.send_block_action(user, {
        "type": element["type"], "action_id": action_id, "block_id": block_id,
        "selected_option": chosen, "action_ts": "1.0",
    }, message=message)  # fmt: skip


def test_feedback_buttons_file_outcomes_under_the_investigations_signature(env: Env) -> None:
    summary = _summary(env)
    with env.db.session() as s:
        case = s.exec(select(CaseSignature)).one()
    assert case.first_action and case.top_hypothesis
    env.slack.click_button(OPS, ActionId.FEEDBACK_FIXED, message_ts=summary.ts)
    ephemeral(env.slack, OPS, "Thanks, noted", timeout=15)
    env.slack.click_button(OPS, ActionId.FEEDBACK_UP, message_ts=summary.ts)
    env.wait(lambda: len(env.outcomes()) >= 3)
    env.slack.click_button(OPS, ActionId.FEEDBACK_FIXED, message_ts=summary.ts, action_ts="2.0")
    ephemeral(env.slack, OPS, "already", timeout=15)
    _choose(env, OPS, summary, ActionId.FEEDBACK_RATE, 0)  # the first option: 5 stars
    ephemeral(env.slack, OPS, "You rated this analysis 5 of 5", timeout=15)
    _choose(env, OTHER, summary, ActionId.HYPOTHESIS_JUDGE, 1)  # the top hypothesis: wrong
    ephemeral(env.slack, OTHER, "marked as not the cause", timeout=15)
    _choose(env, OTHER, summary, ActionId.ACTION_JUDGE, 0)  # the first action: the right fix
    ephemeral(env.slack, OTHER, "marked as the right fix", timeout=15)
    rows = env.outcomes()
    assert {r.key for r in rows} == {case.key}
    assert [(r.subject, r.fix, r.verdict, r.rating, r.user) for r in rows] == [
        ("action", case.first_action, 1, None, OPS),
        ("hypothesis", case.top_hypothesis, 1, None, OPS),
        ("analysis", "analysis", 1, None, OPS),
        ("analysis", "analysis", 1, 5, OPS),
        ("hypothesis", case.top_hypothesis, -1, None, OTHER),
        ("action", case.first_action, 1, None, OTHER),
    ]
    sig = IncidentSignature.load(case.signature)
    assert sig.incident_class == case.incident_class and sig.platforms and sig.alerts


def test_resolve_modal_asks_what_fixed_it_and_files_the_answer(env: Env) -> None:
    parent = _incident_message(env)
    before = len(env.outcomes())
    env.slack.click_button(OTHER, ActionId.RESOLVE, message_ts=parent.ts)
    modal = env.wait(lambda: next(iter(env.slack.views(OTHER)), None))
    _, select_el = _element(modal.payload["blocks"], InputId.RESOLVE_FIX)
    options = select_el["options"]
    restart = next(o for o in options if o["value"] == "action:k8s.restart_deployment")
    assert any(o["value"].startswith("runbook:") for o in options)
    values: dict[str, dict[str, Any]] = {
        BlockId.RESOLVE_NOTE: {InputId.RESOLVE_NOTE: "pool drained"},
        BlockId.RESOLVE_FIX: {InputId.RESOLVE_FIX: {"type": "static_select",
                                                    "selected_option": restart}},
        BlockId.RESOLVE_FIX_TEXT: {InputId.RESOLVE_FIX_TEXT: "x" * 300},
    }  # fmt: skip
    env.slack.wait_ack(env.slack.submit_view(OTHER, modal.id, values))
    assert BlockId.RESOLVE_FIX_TEXT in modal.errors and not modal.closed
    values[BlockId.RESOLVE_FIX_TEXT] = {InputId.RESOLVE_FIX_TEXT: "raised the pool to 40"}
    env.slack.wait_ack(env.slack.submit_view(OTHER, modal.id, values))
    env.wait(lambda: parent if "resolved" in parent.all_text else None)
    env.wait(
        lambda: [
            m for m in env.slack.thread("incidents", parent.ts)
            if "says the fix was" in m.text and "k8s.restart_deployment" in m.text
        ] or None
    )  # fmt: skip
    with env.db.session() as s:
        incident = s.exec(select(Incident)).one()
    new = env.outcomes()[before:]
    assert [(r.source, r.subject, r.fix, r.incident_id, r.user) for r in new] == [
        ("resolve", "action", "k8s.restart_deployment", incident.id, OTHER),
        ("resolve", "text", "raised the pool to 40", incident.id, OTHER),
    ]


def test_fixes_and_stats_commands_read_what_was_learned(env: Env) -> None:
    command(env.slack, OPS, "fixes --kind k8s_deployment")
    shown = ephemeral(env.slack, OPS, "Fix library", timeout=15)
    assert "k8s.restart_deployment — worked 1, failed 0" in shown.all_text
    assert "text: raised the pool to 40" in shown.all_text
    command(env.slack, OPS, "fixes --service nowhere-svc")
    ephemeral(env.slack, OPS, "No fixes recorded yet", timeout=15)
    command(env.slack, OPS, "stats")
    figures = ephemeral(env.slack, OPS, "What aiops has learned", timeout=15)
    assert "Analyses rated helpful: 100% (2 of 2 judged)" in figures.all_text
    assert "action k8s.restart_deployment (1)" in figures.all_text
    bad = command(env.slack, OPS, "fixes --colour red")
    assert "--service" in str(bad.payload)


def test_the_next_investigation_says_what_history_knows(env: Env) -> None:
    service = env.world.scenario.alerts[0].service
    command(env.slack, OPS, f'investigate "latency and pool errors on {service}"')

    def posted() -> Message | None:
        found = [m for m in env.slack.messages("general") if "Investigation" in m.all_text]
        return found[0] if found else None

    summary = env.wait(posted, timeout=90)
    with env.db.session() as s:
        incident = s.exec(select(Incident)).one()
    assert f"History: fixed 1 of 1 similar incidents, last #{incident.id}" in summary.all_text
    assert "history: " in summary.all_text  # the reason is in the hypothesis' evidence too

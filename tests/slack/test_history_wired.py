"""Similar past incidents in the thread, end to end: an incident is investigated and resolved
with a note through the local Slack server (real Bolt socket mode), then the same failure fires
again as a new incident; its investigation shows the first one under "Similar past incidents"
with its root cause, what fixed it and the permalink of its thread.

One ``Runtime`` serves the module; tests run in file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from bot.store import Database, Incident
from handlers.blocks.ids import ActionId
from sandbox.replay.wire import generic
from sandbox.slack import LocalSlack, Message
from tests.conftest import SCENARIOS_DIR
from tests.slack.helpers import command, ephemeral
from tests.wired import wired_runtime

SCENARIO = SCENARIOS_DIR / "02-k8s-crashloop-bad-env.yaml"
TOKEN = "history-webhook-token"
OPERATOR = "UHIST001"
NOTE = "rolled back the bad env var"


@dataclass
class Env:
    slack: LocalSlack
    http: httpx.Client
    world: Any
    db: Database

    def alert(self, index: int, **extra_labels: str) -> None:
        scenario = self.world.scenario
        alert = scenario.alerts[index]
        body = generic(alert, scenario.now + alert.at)
        wire = body["alerts"][0]
        wire["labels"] = {**wire["labels"], **extra_labels}
        resp = self.http.post(
            "/webhooks/generic", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert resp.status_code == 200, resp.text

    def incidents(self) -> list[Incident]:
        with self.db.session() as s:
            return list(s.exec(select(Incident).order_by(col(Incident.id))))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    members = {OPERATOR: ["operator", "responder"]}
    with wired_runtime(SCENARIO, tmp_path_factory.mktemp("history"), token=TOKEN,
                       members=members) as w:  # fmt: skip
        yield Env(w.slack, w.http, w.world, w.db)


def _investigate(env: Env, message: Message) -> Message:
    env.slack.click_button(OPERATOR, ActionId.INVESTIGATE, message_ts=message.ts)

    def summary() -> Message | None:
        found = [m for m in env.slack.thread("incidents", message.ts)
                 if "Investigation" in m.all_text and "Hypotheses" in m.all_text]  # fmt: skip
        return found[0] if found else None

    return env.slack.wait_for(summary, 60)


def test_a_first_incident_has_no_similar_past_and_is_resolved_with_a_note(env: Env) -> None:
    env.alert(0)
    first = env.slack.wait_for(lambda: env.slack.messages("incidents") or None, 20)[0]
    posted = _investigate(env, first)
    assert "Similar past incidents" not in posted.all_text
    (incident,) = env.incidents()
    command(env.slack, OPERATOR, f"resolve {incident.id} {NOTE}")
    env.slack.wait_for(lambda: env.incidents()[0].status == "resolved" or None, 20)


def test_the_same_failure_again_shows_the_first_incident_with_its_fix_and_link(env: Env) -> None:
    first_row = env.incidents()[0]
    env.alert(0, round="2")  # the same failure, a new alert: a new incident
    messages = env.slack.wait_for(
        lambda: m if len(m := env.slack.messages("incidents")) == 2 else None, 20
    )
    posted = _investigate(env, messages[1])
    text = posted.all_text
    assert "Similar past incidents" in text
    assert f"#{first_row.id} " in text
    assert NOTE in text
    assert "Root cause:" in text and "_not found_" not in text.split("Root cause:")[1][:40]
    link = f"/archives/{first_row.slack_channel}/p{str(first_row.slack_ts).replace('.', '')}"
    assert link in text


def test_postmortem_is_posted_as_a_markdown_file_in_the_incident_thread(env: Env) -> None:
    first_row = env.incidents()[0]
    command(env.slack, OPERATOR, f"postmortem {first_row.id}")

    def uploaded() -> Any:
        done = [f for f in env.slack.files() if f.completed and f.thread_ts == first_row.slack_ts]
        return done[0] if done else None

    file = env.slack.wait_for(uploaded, 30)
    assert file.channel == first_row.slack_channel
    assert file.filename.endswith(".md")
    text = file.data.decode()
    for heading in ("## Summary", "## Impact", "## Timeline", "## Root cause", "## What fixed it",
                    "## What did not", "## Follow-ups"):  # fmt: skip
        assert heading in text
    assert NOTE in text
    assert "crashloop" in text.split("## Root cause")[1].lower()


def test_postmortem_of_an_unknown_incident_says_so(env: Env) -> None:
    command(env.slack, OPERATOR, "postmortem 999")
    ephemeral(env.slack, OPERATOR, "no incident #999")

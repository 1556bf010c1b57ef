"""``/aiops inventory <question>`` with Claude, through the real wiring of ``aiops run``: the
security example world (moto S3 read by boto3), the local Slack server (real Bolt over socket
mode) and the local Anthropic server (the real SDK). A question the rules find no type in is
read by the model, checked, listed in the channel with how it was read; a reading the
inventory cannot list, or a model that does not answer in time, is answered privately."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.inventory.llm import TOOL_NAME
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.slack.wiring import Runtime
from sandbox.anthropic_server import AnthropicServer, tool_use_reply
from sandbox.investigate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack, Message
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR
from tests.integration.aws.worlds import clients_of
from tests.slack.helpers import command, ephemeral

pytestmark = pytest.mark.timeout(120)
SCENARIO = SCENARIOS_DIR / "08-security-open-ssh-public-bucket.yaml"
USER, KEY = "UINVLLM01", "sk-ant-local-inventory"
QUESTION = "what storage can strangers on the internet download from"


@dataclass
class Env:
    slack: LocalSlack
    llm: AnthropicServer


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('invllm')) / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    db.dispose()
    with (
        SandboxWorld(load_scenario(SCENARIO).scenario) as world,
        LocalSlack() as slack,
        AnthropicServer(api_keys={KEY}) as llm,
    ):
        slack.add_channel("incidents")
        slack.add_channel("sec")
        slack.add_user(USER, "asker")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-inv", slack_app_token="xapp-inv",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_slack_channel="#incidents",
            aiops_escalation_tick_s=3600, anthropic_api_key=KEY, anthropic_base_url=llm.url,
            aiops_llm_timeout_s=1.0,
        )  # fmt: skip
        clients = clients_of(world)
        context = context_for_world(world, aws_clients=clients)
        runtime = Runtime(settings, clock=world.clock, aws_clients=lambda: clients,
                          investigation_context=lambda: context).start()  # fmt: skip
        try:
            slack.wait_connected()
            yield Env(slack, llm)
        finally:
            runtime.stop()


def _reading(type_name: str, filters: list[dict[str, str]], assumed: str) -> dict[str, object]:
    return tool_use_reply(TOOL_NAME, {"type": type_name, "filters": filters, "assumed": assumed})


def test_a_question_the_rules_cannot_map_is_read_by_claude(env: Env) -> None:
    env.llm.reset()
    env.llm.push(_reading("buckets", [{"key": "public", "op": "=", "value": "true"}],
                          "'strangers can download' means public"))  # fmt: skip
    before = len(env.slack.messages("sec"))
    command(env.slack, USER, f"inventory {QUESTION}", channel="sec")

    def posted() -> Message | None:
        hits = [m for m in env.slack.messages("sec")[before:] if "Inventory:" in m.text]
        return hits[-1] if hits else None

    text = env.slack.wait_for(posted, 30).text
    assert "Read by Claude as `buckets public=true`; assumed: 'strangers can download'" in text
    assert "acme-finance-exports" in text and "acme-app-logs" not in text
    assert len(env.llm.message_requests) == 1


def test_rules_first_and_refusals_and_timeouts_answer_privately(env: Env) -> None:
    env.llm.reset()
    command(env.slack, USER, "inventory which buckets are public", channel="sec")
    listed = "1 buckets matching public=true"
    sec = env.slack.messages
    env.slack.wait_for(lambda: [m for m in sec("sec") if listed in m.text] or None, 30)
    assert env.llm.message_requests == []  # the rules read it

    env.llm.push(_reading("vpcs", [], ""))
    command(env.slack, USER, "inventory which networks can talk to each other", channel="sec")
    ephemeral(env.slack, USER, "type 'vpcs', which the inventory does not have; refused", 30)

    env.llm.slow_down(3.0)  # longer than AIOPS_LLM_TIMEOUT_S: the rules' answer
    try:
        command(env.slack, USER, "inventory what is broken", channel="sec")
        ephemeral(env.slack, USER, "no resource type in 'what is broken'", 30)
    finally:
        env.llm.slow_down(0)

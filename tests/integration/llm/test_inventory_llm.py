"""Inventory questions the rules cannot map, read by Claude through the local Anthropic server
(the real SDK): a good reading runs against the sandbox's AWS (moto, real boto3); a reading
that names a type or a filter the inventory does not have is refused; a timeout or an API
error leaves the rules' answer; without a key nothing changes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import anthropic
import pytest
from pydantic import SecretStr

from bot.errors import UserError
from bot.inventory.ask import read_words
from bot.inventory.llm import TOOL_NAME, map_question, reader
from bot.inventory.service import InventorySources, run
from sandbox.anthropic_server import AnthropicServer, tool_use_reply
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld
from tests.cli import run_aiops
from tests.integration.aws.worlds import clients_of

QUESTION = "what storage can strangers on the internet download from"
WORLD = """\
version: 1
name: inventory-llm
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services:
  - {name: web, runs_on: {kind: ec2, name: web-1}}
aws:
  ec2_instances:
    - {id_ref: web-1, instance_type: t3.small, tags: {Name: web-1, env: prod}}
  s3_buckets:
    - {name: acme-public-assets, public: true}
    - {name: acme-ledger, encrypted: true}
alerts:
  - {id: a1, at: -1m, format: generic, name: inventory-check, severity: warning}
"""


@pytest.fixture(scope="module")
def sources() -> Iterator[InventorySources]:
    with SandboxWorld(parse_scenario_text(WORLD, "inventory-llm.yaml").scenario) as world:
        yield InventorySources(clients_of(world))


def _model(client: anthropic.Anthropic, timeout_s: float = 5.0):  # type: ignore[no-untyped-def]
    return lambda q: map_question(q, client, "claude-sonnet-4-5", timeout_s)


def _reading(type_name: str, filters: list[dict[str, str]], assumed: str = "") -> dict:  # type: ignore[type-arg]
    return tool_use_reply(TOOL_NAME, {"type": type_name, "filters": filters, "assumed": assumed})


def test_the_rules_cannot_map_the_question() -> None:
    with pytest.raises(UserError, match="no resource type in"):
        read_words(QUESTION.split())


def test_a_good_reading_runs_and_says_what_was_assumed(
    server: AnthropicServer, client: anthropic.Anthropic, sources: InventorySources
) -> None:
    server.push(_reading("buckets", [{"key": "public", "op": "=", "value": "true"}],
                         "'strangers can download' read as public buckets"))  # fmt: skip
    read = read_words(QUESTION.split(), _model(client))
    assert read.query.describe() == "buckets public=true"
    assert read.note() == ("Read by Claude as `buckets public=true`; assumed: 'strangers can "
                           "download' read as public buckets")  # fmt: skip
    assert [r.name for r in run(read.query, sources).resources] == ["acme-public-assets"]
    [request] = server.message_requests
    assert request.body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    [tool] = request.body["tools"]
    assert "buckets" in tool["input_schema"]["properties"]["type"]["enum"]
    assert tool["input_schema"]["additionalProperties"] is False


def test_rules_go_first_and_the_model_is_not_asked(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    read = read_words(["which", "buckets", "are", "public"], _model(client))
    assert read.query.describe() == "buckets public=true" and read.note() is None
    assert server.message_requests == []


@pytest.mark.parametrize(
    ("reading", "refusal"),
    [
        (_reading("vpcs", []), "type 'vpcs', which the inventory does not have"),
        (_reading("buckets", [{"key": "owner", "op": "=", "value": "bob"}]),
         "filtered buckets by 'owner', which a listing cannot read"),
        (_reading("buckets", [{"key": "public", "op": "DROP", "value": "x"}]),
         "not key, operator, value"),
    ],
)  # fmt: skip
def test_a_reading_the_inventory_cannot_list_is_refused(
    server: AnthropicServer,
    client: anthropic.Anthropic,
    reading: dict,
    refusal: str,  # type: ignore[type-arg]
) -> None:
    server.push(reading)
    with pytest.raises(UserError, match=refusal):
        read_words(QUESTION.split(), _model(client))


def test_a_tag_filter_is_a_key_any_type_can_read(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    server.push(_reading("ec2", [{"key": "tag:team", "op": "=", "value": "data"}]))
    assert read_words(QUESTION.split(), _model(client)).query.describe() == "ec2 tag:team=data"


def test_a_timeout_or_an_error_leaves_the_rules_answer(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    server.fail(500)
    with pytest.raises(UserError, match="no resource type in"):
        read_words(QUESTION.split(), _model(client))
    server.slow_down(1.5)  # no reply queued: the client gives up first
    try:
        with pytest.raises(UserError, match="no resource type in"):
            read_words(QUESTION.split(), _model(client, timeout_s=0.3))
        time.sleep(1.5)  # the slow request ends before the next test queues its replies
    finally:
        server.slow_down(0)


def test_without_a_key_there_is_no_model(server: AnthropicServer, llm_key: str) -> None:
    none = SimpleNamespace(anthropic_api_key=None)
    assert reader(none) is None
    keyed = SimpleNamespace(
        anthropic_api_key=SecretStr(llm_key), anthropic_base_url=server.url,
        aiops_anthropic_model="claude-sonnet-4-5", aiops_llm_timeout_s=5.0,
    )  # fmt: skip
    model = reader(keyed)
    assert model is not None
    server.push(_reading("buckets", [{"key": "encrypted", "op": "=", "value": "false"}]))
    assert read_words(QUESTION.split(), model).query.describe() == "buckets encrypted=false"


def test_the_terminal_reads_a_question_with_the_model_when_a_key_is_set(
    server: AnthropicServer, llm_key: str, tmp_path: Path
) -> None:
    scenario = tmp_path / "world.yaml"
    scenario.write_text(WORLD)
    server.push(_reading("buckets", [{"key": "public", "op": "=", "value": "true"}], "public"))
    env = {"ANTHROPIC_API_KEY": llm_key, "ANTHROPIC_BASE_URL": server.url}
    done = run_aiops("inventory", *QUESTION.split(), "--scenario", str(scenario), env=env)
    assert done.returncode == 0, done.stderr
    assert "acme-public-assets" in done.stdout and "acme-ledger" not in done.stdout
    assert "Read by Claude as `buckets public=true`; assumed: public" in done.stderr
    no_key = {k: "" for k in ("ANTHROPIC_API_KEY",)}
    done = run_aiops("inventory", *QUESTION.split(), "--scenario", str(scenario), env=no_key)
    assert done.returncode == 2 and "no resource type" in done.stdout + done.stderr
    assert len(server.message_requests) == 1  # without a key, the model is not asked

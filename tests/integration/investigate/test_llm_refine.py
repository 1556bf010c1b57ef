"""The Claude path with the real SDK against the local Messages API: the model reads through
the same primitives (tool_use → tool_result), its answer refines the targets, secrets are
redacted from the prompt, and an API failure leaves the rules' answer in place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import anthropic
import pytest

from bot.investigate import InvestigationContext, Topology, investigate_query
from sandbox.anthropic_server import AnthropicServer, text_reply, tool_use_reply
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario

KEY = "sk-ant-local-investigate"
SCENARIO = Path(__file__).parent / "scenarios" / "k8s-unreachable.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer(api_keys={KEY}) as running:
        yield running


def make_ctx(server: AnthropicServer) -> InvestigationContext:
    scenario = load_scenario(SCENARIO).scenario
    client = anthropic.Anthropic(base_url=server.url, api_key=KEY, max_retries=0)
    return InvestigationContext(
        ScenarioEvidence(scenario),
        Topology.from_specs(scenario.services),
        anthropic=client,
        anthropic_model="claude-sonnet-4-5",
    )


def test_claude_reads_with_the_primitives_and_refines(server: AnthropicServer) -> None:
    server.reset()
    answer = {
        "incident_class": "availability",
        "playbooks": ["k8s_service_unreachable"],
        "targets": ["search", "no-such-service"],
        "reason": "search has no ready pods",
    }
    server.push(
        tool_use_reply("k8s__pods", {"services": ["search"]}),
        text_reply("Here it is: " + json.dumps(answer)),
    )
    secret = "AKIAIOSFODNN7EXAMPLE"
    result = investigate_query(make_ctx(server), f"front is slow, key {secret} leaked?")
    c = result.classification
    assert c.targets == ["search"] and c.playbooks[0] == "k8s_service_unreachable"
    assert c.reason.startswith("Claude:")
    first, second = server.message_requests[:2]
    assert secret not in json.dumps(first.body)
    results = second.tool_results()
    assert results and "not ready" in json.dumps(results)
    assert result.hypotheses[0].kind == "network_partition"


def test_an_overloaded_api_keeps_the_rules_answer(server: AnthropicServer) -> None:
    server.reset()
    server.fail(529, times=5)
    result = investigate_query(make_ctx(server), "search service not reachable")
    assert "Claude unavailable" in result.classification.reason
    assert result.hypotheses[0].kind == "network_partition"

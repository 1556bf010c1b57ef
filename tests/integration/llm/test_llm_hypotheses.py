"""Claude on what the rules left unexplained, through the real SDK against the local Messages
API: citations enforced, the loop capped, a timeout keeps the rules' result, facts redacted,
and with no key the model is never asked."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import anthropic
import pytest

from bot.investigate import InvestigationContext, Topology, investigate_incident, investigate_query
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.llm_hypotheses import CONFIDENCE_CAP, MAX_STEPS, MAX_TOOL_CALLS, SYSTEM
from bot.investigate.models import Hypothesis, InvestigationResult
from bot.investigate.reasoning_data import calibration
from sandbox.anthropic_server import AnthropicServer, Reply, text_reply, tool_use_reply
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario

HERE = Path(__file__).parent
UNEXPLAINED = HERE / "scenarios" / "unexplained-crashloop.yaml"
EXPLAINED = HERE.parent / "investigate" / "scenarios" / "k8s-unreachable.yaml"
QUERY = "ledger keeps restarting"
# What the scenario's facts hold and must never reach the model.
PRIVATE = ("ops-oncall@acme-corp.example", "10.44.3.21", "Hunter2Ledger")


def make_ctx(path: Path, client: anthropic.Anthropic | None, **kw: Any) -> InvestigationContext:
    scenario = load_scenario(path).scenario
    return InvestigationContext(
        ScenarioEvidence(scenario),
        Topology.from_specs(scenario.services),
        anthropic=client,
        anthropic_model="claude-sonnet-4-5" if client else None,
        **kw,
    )


def analysis(server: AnthropicServer) -> list[Any]:
    """The requests of the hypotheses step (not the classification step)."""
    return [r for r in server.message_requests if r.body.get("system") == SYSTEM]


def route(server: AnthropicServer, answer: Any) -> None:
    """Classification requests get an empty answer (the rules' classification stands); the
    hypotheses step gets ``answer(body)``."""

    def responder(body: dict[str, Any]) -> Reply:
        if body.get("system") != SYSTEM:
            return text_reply("{}")
        reply: Reply = answer(body)
        return reply

    server.respond_with(responder)


def rules_only(path: Path = UNEXPLAINED) -> InvestigationResult:
    return investigate_query(make_ctx(path, None), QUERY)


def llm_only(result: InvestigationResult) -> list[Hypothesis]:
    return [h for h in result.hypotheses if h.source == "llm"]


def fact_id(result_facts: list[str], needle: str) -> str:
    return next(f"F{i}" for i, text in enumerate(result_facts, 1) if needle in text)


def answer_json(*hypotheses: dict[str, Any]) -> str:
    return "My reading:\n" + json.dumps({"hypotheses": list(hypotheses)})


def test_a_cited_claim_is_kept_capped_and_uncited_ones_are_dropped(
    server: AnthropicServer, client: anthropic.Anthropic, caplog: pytest.LogCaptureFixture
) -> None:
    before = rules_only()
    # the rules see the crash loop but not why: a weak "cause not identified" at best
    assert max(h.confidence for h in before.hypotheses) < 0.5
    texts = [f.text for f in before.facts]
    crash, event = fact_id(texts, "CrashLoopBackOff"), fact_id(texts, "ShardCheckFailed")
    claim = {"kind": "bad shard map", "service": "ledger", "summary": "the shard map is corrupt"}
    route(
        server,
        lambda body: text_reply(
            answer_json(
                {**claim, "confidence": 0.95, "cites": [crash, event]},
                {**claim, "kind": "guess", "confidence": 0.9, "cites": []},
                {**claim, "kind": "invented", "confidence": 0.9, "cites": [crash, "F99"]},
                {
                    **claim,
                    "kind": "elsewhere",
                    "service": "mainframe",
                    "confidence": 0.5,
                    "cites": [crash],
                },
                {"kind": "no_confidence", "service": "ledger", "cites": [crash]},
            )
        ),
    )
    with caplog.at_level(logging.WARNING, logger="bot.investigate.llm_hypotheses"):
        result = investigate_query(make_ctx(UNEXPLAINED, client), QUERY)

    [hyp] = llm_only(result)
    assert [h for h in result.hypotheses if h.source == "rules"] == before.hypotheses
    assert result.hypotheses[0] == hyp  # above the weak rules' guess, capped below hard evidence
    assert (hyp.kind, hyp.service, hyp.source) == ("bad_shard_map", "ledger", "llm")
    assert hyp.confidence == CONFIDENCE_CAP
    assert hyp.evidence == [texts[int(crash[1:]) - 1], texts[int(event[1:]) - 1]]
    assert f"cites {crash}, {event}" in hyp.summary
    assert result.to_contract_json()["hypotheses"][0]["source"] == "llm"
    assert result.actions == before.actions  # a claim brings no action
    drops = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(drops) == 4
    assert any("cites no fact" in d for d in drops)
    assert any("unknown fact id(s) F99" in d for d in drops)
    assert any("neither in the graph" in d for d in drops)
    assert any("malformed" in d for d in drops)
    assert not any(secret in r.getMessage() for r in caplog.records for secret in PRIVATE)


def test_findings_read_through_a_tool_become_citable_facts(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        last = body["messages"][-1]["content"]
        if isinstance(last, str):  # the first round: read the pods
            return tool_use_reply("k8s__pods", {"services": ["ledger"]})
        line = next(ln for ln in last[0]["content"].splitlines() if "exit code 3" in ln)
        new_id = line.split(" ", 1)[0]
        return text_reply(
            answer_json(
                {
                    "kind": "startup_failure",
                    "service": "ledger",
                    "confidence": 0.4,
                    "summary": "exits 3 at start; cause not identified",
                    "cites": [new_id],
                }
            )
        )

    route(server, answer)
    result = investigate_query(make_ctx(UNEXPLAINED, client), QUERY)

    [hyp] = llm_only(result)
    assert hyp.confidence == 0.4 and hyp.source == "llm"
    [cited] = hyp.evidence
    assert "exit code 3" in cited and cited in [f.text for f in result.facts]
    final = f"F{[f.text for f in result.facts].index(cited) + 1}"
    assert f"(Claude; cites {final})" in hyp.summary
    # it leads and the registry has nothing for it: the no-harmful-fix rule says so plainly
    assert "No registry action can help ledger" in hyp.summary
    [first, second] = analysis(server)
    assert second.tool_results() and "k8s__pods" in first.tool_names


def test_a_model_that_keeps_calling_tools_stops_at_the_cap(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    def greedy(body: dict[str, Any]) -> Reply:
        uses = [
            {"type": "tool_use", "name": name, "input": {"services": ["ledger"]}}
            for name in ("k8s__pods", "k8s__events", "logs__mine")
        ]
        return {"content": [{"type": "text", "text": "more"}, *uses], "stop_reason": "tool_use"}

    route(server, greedy)
    result = investigate_query(make_ctx(UNEXPLAINED, client), QUERY)

    requests = analysis(server)
    assert len(requests) == MAX_STEPS
    assert requests[-1].body.get("tool_choice") == {"type": "none"}
    results = [b for r in requests for b in r.tool_results()]
    executed = [b for b in results if "tool budget spent" not in b["content"]]
    assert len(executed) == MAX_TOOL_CALLS < len(results)
    assert result.hypotheses == rules_only().hypotheses


def test_a_slow_api_times_out_and_the_rules_result_stands(
    server: AnthropicServer, client: anthropic.Anthropic, caplog: pytest.LogCaptureFixture
) -> None:
    server.slow_down(20.0)
    ctx = make_ctx(UNEXPLAINED, client, llm_timeout_s=0.3)
    ctx.anthropic = None  # first the bound of the rules alone, then with the model
    t0 = time.monotonic()
    alone = investigate_query(ctx, QUERY)
    rules_s = time.monotonic() - t0
    ctx.anthropic = client
    route(server, lambda body: text_reply(answer_json()))

    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bot.investigate"):
        result = investigate_query(ctx, QUERY)
    elapsed = time.monotonic() - t0

    # two requests (classification, hypotheses; the client makes no retry) of 0.3 s each: well
    # under one of the 20 s answers the server would take, with room for a loaded machine
    assert elapsed - rules_s < 10.0
    assert len(server.message_requests) == 2 and len(analysis(server)) == 1
    assert result.hypotheses == alone.hypotheses and result.facts == alone.facts
    assert any("rules' result stands" in r.getMessage() for r in caplog.records)
    server.slow_down(0)


def test_facts_and_tool_outputs_reach_the_model_redacted(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        if isinstance(body["messages"][-1]["content"], str):
            return tool_use_reply("k8s__events", {"services": ["ledger"]})
        return text_reply(answer_json())

    route(server, answer)
    token = "xoxb-1234567890-abcdefghijkl"
    investigate_query(make_ctx(UNEXPLAINED, client), f"{QUERY}, said jane.doe@acme.example {token}")

    first, second = analysis(server)
    raw = first.raw + second.raw
    for private in (*PRIVATE, "jane.doe@acme.example", token):
        assert private not in raw
    assert "ShardCheckFailed" in first.raw and "ShardCheckFailed" in second.raw
    for marker in ("[REDACTED:email]", "[REDACTED:ip]", "[REDACTED:secret]"):
        assert marker in first.raw and marker in second.raw


def test_an_incident_s_alerts_reach_the_model_redacted(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    route(server, lambda body: text_reply(answer_json()))
    alert = AlertView(
        name="KubePodCrashLooping",
        service="ledger",
        summary="ledger crash looping; owner jane.doe@acme.example, node 10.9.8.7",
        severity="critical",
    )
    investigate_incident(
        make_ctx(UNEXPLAINED, client),
        InvestigationTarget(alerts=[alert], root_alert=alert, title="ledger crash looping"),
    )
    [request] = analysis(server)
    prompt = request.messages[0]["content"]
    assert "KubePodCrashLooping [critical] service=ledger" in prompt
    assert "jane.doe@acme.example" not in request.raw and "10.9.8.7" not in request.raw


def test_nothing_unexplained_means_no_question(
    server: AnthropicServer, client: anthropic.Anthropic
) -> None:
    route(server, lambda body: text_reply(answer_json()))
    query = "search service not reachable"
    result = investigate_query(make_ctx(EXPLAINED, client), query)
    assert server.message_requests and not analysis(server)  # only the classification step
    assert result.hypotheses == investigate_query(make_ctx(EXPLAINED, None), query).hypotheses


def test_a_refit_that_shows_leaders_lower_does_not_ask_the_model(
    server: AnthropicServer, client: anthropic.Anthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # calibration refit to show every leader at its share right (flat at 0.37, below
    # EXPLAINED_AT): the rules explained the incident as before, on their own scale
    refit = calibration().model_copy(update={"maps": {"leader": [(0.0, 0.37), (1.0, 0.37)]}})
    monkeypatch.setattr("bot.investigate.calibrate.calibration", lambda: refit)
    route(
        server,
        lambda body: text_reply(
            answer_json(
                {"kind": "guess", "service": "search", "summary": "s", "confidence": 0.9}
                | {"cites": ["F1"]}
            )
        ),
    )
    query = "search service not reachable"
    result = investigate_query(make_ctx(EXPLAINED, client), query)
    assert result.hypotheses[0].confidence == 0.37 and result.hypotheses[0].source == "rules"
    assert server.message_requests and not analysis(server)  # only the classification step
    assert result.hypotheses == investigate_query(make_ctx(EXPLAINED, None), query).hypotheses


def test_without_a_key_the_model_is_never_asked(
    server: AnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    route(server, lambda body: text_reply(answer_json()))
    # a None entry makes any import of the module raise ImportError: it must not be reached
    monkeypatch.setitem(sys.modules, "bot.investigate.llm_hypotheses", None)
    result = rules_only()
    assert not llm_only(result) and result.facts and server.message_requests == []
    with pytest.raises(ImportError):
        __import__("bot.investigate.llm_hypotheses")

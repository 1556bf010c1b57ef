"""run_tool_loop driven through the real anthropic SDK against the local Messages API."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest

from integrations.anthropic_llm import (
    FINAL_ROUND_NOTE,
    LLMAuthError,
    LLMUnavailable,
    ToolResult,
    ToolSpec,
    ToolStatus,
    run_tool_loop,
)
from integrations.anthropic_llm.loop import CallTool, LoopResult
from sandbox.anthropic_server import AnthropicServer, text_reply, tool_use_reply

MODEL = "claude-sonnet-4-5"
PODS = ToolSpec(
    "list_pods",
    "List the pods of a namespace",
    {"type": "object", "properties": {"namespace": {"type": "string"}}, "required": ["namespace"]},
)
LOGS = ToolSpec("read_logs", "Read a pod's logs", {"type": "object", "properties": {}})


class Recorder:
    """A real tool implementation that remembers its calls."""

    def __init__(self, result: ToolResult | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.result = result or ToolResult.ok({"pods": ["web-1", "web-2"], "restarts": 7})

    def __call__(self, name: str, args: dict[str, Any]) -> ToolResult:
        self.calls.append((name, args))
        return self.result


def loop(client: anthropic.Anthropic, tool: CallTool, **kw: Any) -> LoopResult:
    kw.setdefault("tools", [PODS, LOGS])
    return run_tool_loop(
        client, model=MODEL, system="You are an SRE.", user="Why is web down?", call_tool=tool, **kw
    )


def test_two_round_loop_sends_the_tool_result_back(server: AnthropicServer, client) -> None:
    seen: list[list[dict[str, Any]]] = []

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        blocks = body["messages"][-1]["content"]
        seen.append(blocks)
        return text_reply(f"Restarts seen: {'7' in blocks[0]['content']}")

    server.push(tool_use_reply("list_pods", {"namespace": "prod"}, text="Let me look."))
    server.respond_with(answer)
    tool = Recorder()

    result = loop(client, tool)

    assert tool.calls == [("list_pods", {"namespace": "prod"})]
    assert result.text == "Restarts seen: True"
    assert result.steps == 2 and not result.hit_max_steps and result.stop_reason == "end_turn"
    first, second = server.message_requests
    assert first.tool_names == ["list_pods", "read_logs"]
    tool_use_id = second.messages[1]["content"][1]["id"]
    [block] = second.tool_results()
    assert block["tool_use_id"] == tool_use_id == result.tool_calls[0].id
    assert '"restarts": 7' in block["content"] and "is_error" not in block
    assert seen and seen[0][0]["type"] == "tool_result"
    assert result.input_tokens > 0 and result.output_tokens > 0


def test_tool_errors_and_unknown_tools_reach_the_model_as_errors(server, client) -> None:
    server.push(
        {
            "content": [
                {"type": "tool_use", "name": "list_pods", "input": {"namespace": "x"}},
                {"type": "tool_use", "name": "drop_database", "input": {}},
            ]
        },
        text_reply("done"),
    )
    result = loop(client, Recorder(ToolResult.failed("namespace x not found")))
    blocks = server.message_requests[1].tool_results()
    assert [b["is_error"] for b in blocks] == [True, True]
    assert "namespace x not found" in blocks[0]["content"]
    assert "unknown tool 'drop_database'" in blocks[1]["content"]
    assert [c.result.status for c in result.tool_calls] == [ToolStatus.ERROR, ToolStatus.ERROR]


def test_a_raising_tool_becomes_an_error_result(server, client) -> None:
    def boom(name: str, args: dict[str, Any]) -> ToolResult:
        raise RuntimeError("kube API timed out")

    server.push(tool_use_reply("read_logs", {}), text_reply("partial answer"))
    result = loop(client, boom)
    assert result.text == "partial answer"
    assert (
        "RuntimeError: kube API timed out"
        in server.message_requests[1].tool_results()[0]["content"]
    )


def test_max_steps_caps_rounds_and_withholds_tools_on_the_last(server, client) -> None:
    server.respond_with(
        lambda body: tool_use_reply("list_pods", {"namespace": "prod"}, text="more")
    )
    tool = Recorder()

    result = loop(client, tool, max_steps=3)

    requests = server.message_requests
    assert len(requests) == 3 and result.steps == 3 and result.hit_max_steps
    assert len(tool.calls) == 2 == len(result.tool_calls)
    assert [r.body.get("tool_choice") for r in requests] == [None, None, {"type": "none"}]
    last_user = requests[-1].messages[-1]["content"]
    assert last_user[-1] == {"type": "text", "text": FINAL_ROUND_NOTE}
    assert result.text == "more"


def test_oversized_tool_output_is_truncated_with_a_note(server, client) -> None:
    server.push(tool_use_reply("read_logs", {}), text_reply("ok"))
    result = loop(client, Recorder(ToolResult.ok("x" * 5000)), max_tool_chars=1000)
    sent = server.message_requests[1].tool_results()[0]["content"]
    assert sent.startswith("x" * 1000) and "4000 of 5000 characters omitted" in sent
    assert len(sent) < 1200 and result.tool_calls[0].truncated


def test_429_then_success_is_retried_honouring_retry_after(
    server: AnthropicServer, llm_key
) -> None:
    server.fail(429, retry_after=0.2)
    server.push(text_reply("after the wait"))
    retrying = anthropic.Anthropic(base_url=server.url, api_key=llm_key, max_retries=2)

    result = loop(retrying, Recorder(), tools=[])

    assert result.text == "after the wait"
    stamps = [r.received_at for r in server.message_requests]
    assert len(stamps) == 2 and stamps[1] - stamps[0] >= 0.18


def test_529_after_retries_raises_a_clear_error(server: AnthropicServer, llm_key) -> None:
    server.fail(529, times=3, retry_after=0.01)
    retrying = anthropic.Anthropic(base_url=server.url, api_key=llm_key, max_retries=2)

    with pytest.raises(LLMUnavailable, match="overloaded") as info:
        loop(retrying, Recorder())

    assert info.value.status == 529 and len(server.message_requests) == 3


def test_bad_key_raises_an_auth_error(server: AnthropicServer) -> None:
    bad = anthropic.Anthropic(base_url=server.url, api_key="sk-ant-wrong", max_retries=0)
    with pytest.raises(LLMAuthError, match="401"):
        loop(bad, Recorder())


def test_secrets_never_reach_the_server(server, client) -> None:
    secret_tool = Recorder(ToolResult.ok("DATABASE_URL=postgres://app:s3cr3tPass@db:5432/app"))
    server.push(tool_use_reply("read_logs", {}), text_reply("ok"))
    run_tool_loop(
        client,
        model=MODEL,
        system="Context: aws key AKIAIOSFODNN7EXAMPLE",
        user="Slack says xoxb-1234567890-abcdefghijkl and password=hunter2, why?",
        tools=[LOGS],
        call_tool=secret_tool,
    )
    raw = "".join(r.raw for r in server.message_requests)
    for secret in ("AKIAIOSFODNN7EXAMPLE", "xoxb-1234567890-abcdefghijkl", "hunter2", "s3cr3tPass"):
        assert secret not in raw
    assert "[REDACTED:aws-access-key]" in raw and "[REDACTED:password]" in raw


def test_one_step_answers_without_tools_and_empty_system_is_omitted(server, client) -> None:
    server.push(text_reply("straight answer"))
    result = run_tool_loop(
        client, model=MODEL, system="", user="hi", tools=[PODS], call_tool=Recorder(), max_steps=1
    )
    [request] = server.message_requests
    assert "system" not in request.body
    assert request.body["tool_choice"] == {"type": "none"}
    assert result.text == "straight answer" and result.steps == 1 and result.tool_calls == []


def test_secrets_in_tool_exceptions_are_redacted(server, client) -> None:
    def leaky(name: str, args: dict[str, Any]) -> ToolResult:
        raise RuntimeError("login failed for postgres://app:Tr0ub4dor@db/x")

    server.push(tool_use_reply("read_logs", {}), text_reply("ok"))
    result = loop(client, leaky)
    assert "Tr0ub4dor" not in server.message_requests[1].raw
    assert "Tr0ub4dor" not in (result.tool_calls[0].result.error or "")

"""The local Messages API itself: auth both ways, real-shaped replies, the checks it makes."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import pytest

from sandbox.anthropic_server import AnthropicServer, ErrorReply, tool_use_reply

BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}


def post(server: AnthropicServer, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/messages", json=body, headers=headers, timeout=5)


def test_sdk_gets_a_typed_tool_use_message(server: AnthropicServer, client) -> None:
    server.push(tool_use_reply("list_pods", {"namespace": "prod"}, text="checking"))
    msg = client.messages.create(**BODY)
    assert isinstance(msg, anthropic.types.Message)
    assert msg.stop_reason == "tool_use" and msg.role == "assistant"
    text, use = msg.content
    assert text.type == "text" and text.text == "checking"
    assert use.type == "tool_use" and use.name == "list_pods" and use.input == {"namespace": "prod"}
    assert use.id.startswith("toolu_") and msg.usage.input_tokens > 0


def test_key_accepted_as_x_api_key_or_bearer_and_refused_otherwise(server, llm_key) -> None:
    server.respond_with(lambda body: "hello")
    assert post(server, BODY, **{"x-api-key": llm_key}).status_code == 200
    assert post(server, BODY, Authorization=f"Bearer {llm_key}").status_code == 200
    bad = post(server, BODY, **{"x-api-key": "nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["type"] == "authentication_error"
    assert post(server, BODY).status_code == 401


def test_models_endpoint_lists_models(server, client) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["claude-sonnet-4-5"]


def test_scripted_errors_carry_retry_after(server, llm_key) -> None:
    server.push(ErrorReply(429, retry_after=3), ErrorReply(529, retry_after=1.5))
    r429 = post(server, BODY, **{"x-api-key": llm_key})
    r529 = post(server, BODY, **{"x-api-key": llm_key})
    assert (r429.status_code, r429.headers["retry-after"]) == (429, "3")
    assert r429.json()["error"]["type"] == "rate_limit_error"
    assert (r529.status_code, r529.headers["retry-after"]) == (529, "1.5")
    assert r529.json()["error"]["type"] == "overloaded_error"


def test_no_reply_left_is_a_500_that_says_so(server, client) -> None:
    with pytest.raises(anthropic.InternalServerError, match="no scripted reply"):
        client.messages.create(**BODY)


@pytest.mark.parametrize(
    ("messages", "tools", "expected"),
    [
        ([{"role": "assistant", "content": "x"}], None, "first message"),
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], None, "alternate"),
        (
            [
                {"role": "user", "content": "a"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
                },
                {"role": "user", "content": "no result"},
            ],
            [{"name": "f", "input_schema": {"type": "object"}}],
            "without `tool_result`",
        ),
        (
            [
                {"role": "user", "content": "a"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "r"}],
                },
            ],
            None,
            "must define tools",
        ),
    ],
)
def test_requests_the_real_api_rejects_are_rejected(
    server, llm_key, messages, tools, expected
) -> None:
    body: dict[str, Any] = {**BODY, "messages": messages}
    if tools:
        body["tools"] = tools
    resp = post(server, body, **{"x-api-key": llm_key})
    assert resp.status_code == 400
    assert expected in resp.json()["error"]["message"]


def test_tool_choice_none_never_returns_tool_use(server, client) -> None:
    server.push(tool_use_reply("f", {}, text="final words"))
    msg = client.messages.create(
        **BODY,
        tools=[{"name": "f", "input_schema": {"type": "object"}}],
        tool_choice={"type": "none"},
    )
    assert [b.type for b in msg.content] == ["text"] and msg.stop_reason == "end_turn"

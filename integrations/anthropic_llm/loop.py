"""One tool-use loop over the ``anthropic`` SDK (client injected; no streaming twin).

Round after round the model answers; each ``tool_use`` block is executed with ``call_tool`` and
its result goes back as a ``tool_result`` block. At most ``max_steps`` requests are made: the
last one keeps the tool definitions (the API requires them once the history holds tool blocks)
but sets ``tool_choice: none`` and says so, so the model must answer with what it has. Every
text that enters the prompt (system, user, tool outputs) passes through :func:`redact`; an
oversized tool output is cut with a note. Retries of 429/529/5xx are the SDK's own
(``max_retries``), which honour ``retry-after``; what is left after them becomes an
:class:`LLMError` subclass.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import anthropic

from integrations.anthropic_llm.redact import redact
from integrations.anthropic_llm.types import (
    LLMAuthError,
    LLMError,
    LLMRequestError,
    LLMUnavailable,
    LoopResult,
    ToolCall,
    ToolResult,
    ToolSpec,
    ToolStatus,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 2048
DEFAULT_MAX_TOOL_CHARS = 12_000
FINAL_ROUND_NOTE = (
    "Tool budget exhausted: no more tool calls are possible. Answer now from the results above, "
    "and say what you could not check."
)

CallTool = Callable[[str, dict[str, Any]], ToolResult]


def render_tool_result(result: ToolResult) -> str:
    """The text the model sees for a tool result."""
    if result.status is ToolStatus.ERROR:
        return f"ERROR: {result.error or 'the tool failed'}"
    if result.data is None or result.data == "":
        return "No data." if result.status is ToolStatus.NO_DATA else "OK (no output)."
    if isinstance(result.data, str):
        return result.data
    try:
        return json.dumps(result.data, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(result.data)


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut ``text`` to about ``limit`` characters with a note saying how much was dropped."""
    if len(text) <= limit:
        return text, False
    dropped = len(text) - limit
    note = (
        f"\n[output truncated: {dropped} of {len(text)} characters omitted; "
        "call the tool with a narrower query to see more]"
    )
    return text[:limit] + note, True


def _assistant_blocks(message: Any) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in message.content:
        if block.type == "text":
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append(
                {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
            )
    return blocks


def _text_of(message: Any) -> str:
    return "\n".join(b.text for b in message.content if b.type == "text").strip()


def _retry_after(exc: anthropic.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _translate(exc: anthropic.APIError) -> LLMError:
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        detail = exc.api_message or exc.message
        if status in (401, 403):
            return LLMAuthError(f"the Anthropic API refused the key ({status}): {detail}")
        if status == 429 or status >= 500:
            kind = {429: "rate-limited", 529: "overloaded"}.get(status, f"failing ({status})")
            return LLMUnavailable(
                f"the Anthropic API is {kind} and retries are exhausted: {detail}",
                status=status,
                retry_after=_retry_after(exc),
            )
        return LLMRequestError(f"the Anthropic API rejected the request ({status}): {detail}")
    if isinstance(exc, anthropic.APIConnectionError):
        return LLMUnavailable(f"cannot reach the Anthropic API: {exc}")
    return LLMError(f"Anthropic API error: {exc}")


def _execute(call_tool: CallTool, known: set[str], name: str, tool_input: Any) -> ToolResult:
    if name not in known:
        return ToolResult.failed(f"unknown tool {name!r}; available: {', '.join(sorted(known))}")
    if not isinstance(tool_input, dict):
        return ToolResult.failed("tool input must be a JSON object")
    try:
        result = call_tool(name, tool_input)
    except Exception as exc:  # a failing tool is a result the model can read, not a crash
        message = redact(f"{type(exc).__name__}: {exc}")
        log.warning("tool %s failed: %s", name, message)
        return ToolResult.failed(message)
    if not isinstance(result, ToolResult):
        return ToolResult.ok(result)
    return result


def run_tool_loop(
    client: anthropic.Anthropic,
    *,
    model: str,
    system: str,
    user: str,
    tools: Sequence[ToolSpec],
    call_tool: CallTool,
    max_steps: int = 6,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    max_tool_chars: int = DEFAULT_MAX_TOOL_CHARS,
) -> LoopResult:
    """Ask ``user`` with ``tools`` until the model answers; at most ``max_steps`` requests."""
    if max_steps < 1:
        raise ValueError("max_steps must be at least 1")
    if not user.strip():
        raise ValueError("the user prompt is empty")
    tool_defs = [t.to_api() for t in tools]
    known = {t.name for t in tools}
    messages: list[dict[str, Any]] = [{"role": "user", "content": redact(user)}]
    system_text = redact(system)
    transcript: list[ToolCall] = []
    tokens_in = tokens_out = 0

    for step in range(1, max_steps + 1):
        last = step == max_steps
        kwargs: dict[str, Any] = {"system": system_text} if system_text.strip() else {}
        if tool_defs:
            kwargs["tools"] = tool_defs
            if last:
                kwargs["tool_choice"] = {"type": "none"}
                if step > 1:
                    messages[-1]["content"].append({"type": "text", "text": FINAL_ROUND_NOTE})
        try:
            response = client.messages.create(
                model=model,
                max_tokens=max_tokens,
                messages=messages,  # type: ignore[arg-type]
                **kwargs,
            )
        except anthropic.APIError as exc:
            raise _translate(exc) from exc
        tokens_in += response.usage.input_tokens
        tokens_out += response.usage.output_tokens
        uses = [b for b in response.content if b.type == "tool_use"]
        if not uses or response.stop_reason != "tool_use" or last:
            text = _text_of(response)
            if uses and not text:
                text = "(the model asked for more tools after its budget was spent)"
            return LoopResult(
                text=text,
                tool_calls=transcript,
                steps=step,
                stop_reason=response.stop_reason,
                hit_max_steps=last and bool(tool_defs),
                input_tokens=tokens_in,
                output_tokens=tokens_out,
            )
        messages.append({"role": "assistant", "content": _assistant_blocks(response)})
        results: list[dict[str, Any]] = []
        for use in uses:
            result = _execute(call_tool, known, use.name, use.input)
            sent, cut = truncate(redact(render_tool_result(result)), max_tool_chars)
            transcript.append(
                ToolCall(step, use.id, use.name, dict(use.input or {}), result, sent, cut)
            )
            block: dict[str, Any] = {"type": "tool_result", "tool_use_id": use.id, "content": sent}
            if result.status is ToolStatus.ERROR:
                block["is_error"] = True
            results.append(block)
        messages.append({"role": "user", "content": results})
    raise AssertionError("unreachable: the last round always returns")  # pragma: no cover

"""Anthropic adapter: one tool-use loop over an injected ``anthropic.Anthropic`` client, and
``redact`` for every text that goes into a prompt."""

from integrations.anthropic_llm.loop import (
    FINAL_ROUND_NOTE,
    render_tool_result,
    run_tool_loop,
    truncate,
)
from integrations.anthropic_llm.redact import redact, redact_personal, shannon_entropy
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

__all__ = [
    "FINAL_ROUND_NOTE",
    "LLMAuthError",
    "LLMError",
    "LLMRequestError",
    "LLMUnavailable",
    "LoopResult",
    "ToolCall",
    "ToolResult",
    "ToolSpec",
    "ToolStatus",
    "redact",
    "redact_personal",
    "render_tool_result",
    "run_tool_loop",
    "shannon_entropy",
    "truncate",
]

"""Typed inputs and outputs of the tool loop, and its errors (no bot/ imports here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool offered to the model: name, what it does, and a JSON schema for its input."""

    name: str
    description: str
    input_schema: dict[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    def to_api(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }


class ToolStatus(StrEnum):
    SUCCESS = "success"
    NO_DATA = "no_data"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool returned: a status, its data (text or JSON-able), or an error message."""

    status: ToolStatus
    data: Any = None
    error: str | None = None

    @classmethod
    def ok(cls, data: Any) -> ToolResult:
        return cls(ToolStatus.SUCCESS, data=data)

    @classmethod
    def no_data(cls, note: str | None = None) -> ToolResult:
        return cls(ToolStatus.NO_DATA, data=note)

    @classmethod
    def failed(cls, error: str) -> ToolResult:
        return cls(ToolStatus.ERROR, error=error)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One executed tool call, as it went into the conversation."""

    step: int
    id: str
    name: str
    input: dict[str, Any]
    result: ToolResult
    sent: str  # the (redacted, maybe truncated) text the model received
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class LoopResult:
    """The model's final answer and the transcript of the tool calls that led to it.

    ``steps`` counts requests to the model; ``hit_max_steps`` says the answer was given on the
    last allowed round, with tools withheld (``tool_choice: none``).
    """

    text: str
    tool_calls: list[ToolCall]
    steps: int
    stop_reason: str | None
    hit_max_steps: bool
    input_tokens: int = 0
    output_tokens: int = 0


class LLMError(Exception):
    """The model could not be used; the message is safe to show."""


class LLMUnavailable(LLMError):
    """Rate-limited, overloaded or unreachable after the client's retries."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LLMAuthError(LLMError):
    """The API key was refused (401/403)."""


class LLMRequestError(LLMError):
    """The API rejected the request itself (4xx): a bug on our side or a bad model name."""

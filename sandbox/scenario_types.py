"""Shared building blocks of the scenario models: a strict base model and field types."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from sandbox.timeparse import format_offset, parse_duration, parse_offset


class Strict(BaseModel):
    """Every scenario model: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _scalar_to_str(value: Any) -> Any:
    # Tags, labels and env values are strings on the wire; YAML may give 22 or true.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _serialize_delta(delta: timedelta) -> str:
    return format_offset(delta)


#: A time relative to the scenario's ``now`` (``-45m``, ``0``, ``+10m``).
Offset = Annotated[
    timedelta,
    BeforeValidator(parse_offset),
    PlainSerializer(_serialize_delta, return_type=str, when_used="json"),
]
#: A non-negative length of time (``60s``, ``10m``).
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(_serialize_delta, return_type=str, when_used="json"),
]
#: A string that also accepts YAML scalars (numbers, booleans) and turns them into text.
Text = Annotated[str, BeforeValidator(_scalar_to_str)]
StrMap = dict[str, Text]


class MetricEvent(Strict):
    """A change in a generated series (a metric's, or a service's daily spend)."""

    at: Offset
    shape: Literal["step", "ramp", "spike", "drop"]
    to: float
    over: Duration | None = None

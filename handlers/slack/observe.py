"""A global Bolt middleware timing each Slack request from arrival to ack.

The app runs listeners before the ack (``process_before_response``), so the time spent in the
middleware chain is the ack latency Slack sees (minus the network). Events are the exception:
the socket-mode handler acks them on arrival, so their listener time is not timed as an ack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot import observability


def request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "slash_command"
    kind = str(body.get("type") or "other")
    if kind == "event_callback":
        return "event"
    return kind


def time_ack(body: dict[str, Any], next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
    if request_kind(body) == "event":  # acked on arrival (handlers.slack.app): not ack latency
        return next()
    started = time.perf_counter()
    try:
        return next()
    finally:
        observability.slack_ack(time.perf_counter() - started, request_kind(body))

"""The kind of a Slack request, as ``aiops_slack_ack_seconds{kind}`` labels it.

The ack is timed where it is sent, by the socket-mode handler (``handlers.slack.sockets``):
from the envelope's arrival in the receive loop to its ack on the wire. An event is acked on
arrival, so its listener's time is not ack latency.
"""

from __future__ import annotations

from typing import Any


def request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "slash_command"
    kind = str(body.get("type") or "other")
    if kind == "event_callback":
        return "event"
    return kind

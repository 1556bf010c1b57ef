"""The one ``app.error`` handler: a domain error becomes an ephemeral message with its text;
anything unexpected becomes "Something went wrong (error id …)" with the id in the log."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient

from bot.jobs import describe_error

log = logging.getLogger("aiops.slack")


def _where(body: dict[str, Any]) -> str:
    if body.get("command"):
        return str(body["command"])
    if body.get("type") == "block_actions":
        return "click " + ",".join(a.get("action_id", "?") for a in body.get("actions", []))
    if body.get("type") == "event_callback":
        return "event " + str((body.get("event") or {}).get("type"))
    return str(body.get("type") or "slack request")


def register(app: App, *_: object) -> None:
    @app.error
    def on_error(
        error: Exception,
        body: dict[str, Any],
        respond: Respond | None,
        client: WebClient,
        ack: Ack | None,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        message = describe_error(error, where=_where(body))
        _tell_user(message, body, respond, client)
        if response is None:  # already acknowledged by Bolt
            return None
        # Slack must still get its ack (else it shows the user a timeout): keep what the
        # listener acked with, or ack empty; the message above already told the user.
        acked = ack.response if ack is not None else None
        if acked is not None and acked.status == 200:
            return BoltResponse(status=200, body=acked.body, headers=acked.headers)
        return BoltResponse(status=200, body="")


def _tell_user(
    message: str, body: dict[str, Any], respond: Respond | None, client: WebClient
) -> None:
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = body.get("channel_id") or (body.get("container") or {}).get("channel_id")
    try:
        if respond is not None and body.get("response_url"):
            respond(text=message, response_type="ephemeral", replace_original=False)
        elif user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=message)
        elif user and body.get("type") == "view_submission":
            client.chat_postMessage(channel=user, text=message)
    except Exception:
        log.exception("could not tell the user about an error")

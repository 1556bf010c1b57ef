"""Payloads Slack sends to an app (slash commands, clicks, view submissions, events), and what
the server does with the app's answers (socket-mode ack payloads and ``response_url`` posts)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from sandbox.slack.records import (
    Ephemeral,
    JsonDict,
    Message,
    ResponseUrlPost,
    SlackState,
    View,
)

VERIFICATION_TOKEN = "sandbox-verification-token"


class PayloadBuilder:
    """Builds what Slack would send, issuing trigger ids and response URLs as it goes."""

    def __init__(self, state: SlackState, base_url: str) -> None:
        self.state = state
        self.base_url = base_url

    # ---- pieces
    def _trigger(self, user: str) -> str:
        trigger = f"{int(time.time())}.{uuid.uuid4().hex[:12]}"
        with self.state.lock:
            self.state.triggers[trigger] = user
        return trigger

    def _response_url(self, user: str, channel: str, message_ts: str | None) -> str:
        rid = uuid.uuid4().hex
        with self.state.lock:
            self.state.response_urls[rid] = {
                "user": user,
                "channel": channel,
                "message_ts": message_ts,
            }
        return f"{self.base_url}/response/{rid}"

    def _user(self, user: str) -> JsonDict:
        record = self.state.ensure_user(user)
        return {
            "id": user,
            "username": record.name,
            "name": record.name,
            "team_id": self.state.team_id,
        }

    def _team(self) -> JsonDict:
        return {"id": self.state.team_id, "domain": "sandbox"}

    # ---- slash command
    def slash_command(self, user: str, text: str, channel_ref: str, command: str) -> JsonDict:
        record = self.state.ensure_user(user)
        channel = self.state.resolve_channel(channel_ref)
        if channel is None:
            raise LookupError(f"no channel {channel_ref!r} in the local Slack workspace")
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": self.state.team_id,
            "team_domain": "sandbox",
            "channel_id": channel.id,
            "channel_name": channel.name,
            "user_id": user,
            "user_name": record.name,
            "command": command,
            "text": text,
            "api_app_id": self.state.app_id,
            "is_enterprise_install": "false",
            "response_url": self._response_url(user, channel.id, None),
            "trigger_id": self._trigger(user),
        }

    # ---- block actions
    def block_action(
        self,
        user: str,
        action: JsonDict,
        *,
        message: Message | None = None,
        view: View | None = None,
    ) -> JsonDict:
        payload: JsonDict = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": self.state.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self._trigger(user),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [action],
        }
        if message is not None:
            channel = self.state.channels[message.channel]
            payload["container"] = {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": False,
            }
            if message.thread_ts:
                payload["container"]["thread_ts"] = message.thread_ts
            payload["channel"] = {"id": channel.id, "name": channel.name}
            payload["message"] = message.to_api(self.state.bot_id)
            payload["response_url"] = self._response_url(user, message.channel, message.ts)
        elif view is not None:
            payload["container"] = {"type": "view", "view_id": view.id}
            payload["view"] = view.payload
        return payload

    # ---- view submission
    def view_submission(
        self, user: str, view: View, values: Mapping[str, Mapping[str, Any]]
    ) -> JsonDict:
        state_values: JsonDict = {}
        for block_id, actions in values.items():
            state_values[block_id] = {
                action_id: (
                    value
                    if isinstance(value, dict)
                    else {"type": "plain_text_input", "value": value}
                )
                for action_id, value in actions.items()
            }
        return {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self.state.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self._trigger(user),
            "view": {**view.payload, "state": {"values": state_values}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    # ---- events
    def event_callback(self, event: JsonDict, event_id: str) -> JsonDict:
        return {
            "token": VERIFICATION_TOKEN,
            "team_id": self.state.team_id,
            "api_app_id": self.state.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.state.team_id,
                    "user_id": self.state.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": uuid.uuid4().hex,
        }


def apply_visible_reply(
    state: SlackState,
    *,
    user: str,
    channel: str,
    body: JsonDict,
    source: str,
    message_ts: str | None = None,
) -> None:
    """What Slack shows for a command ack / response_url body (caller holds the lock)."""
    text = str(body.get("text") or "")
    blocks = list(body.get("blocks") or [])
    if body.get("delete_original") and message_ts:
        original = state.messages.get((channel, message_ts))
        if original is not None:
            original.deleted = True
        return
    if body.get("replace_original") and message_ts:
        original = state.messages.get((channel, message_ts))
        if original is not None:
            original.text, original.blocks = text, blocks
            original.edits += 1
            return
    if not text and not blocks:
        return
    if body.get("response_type") == "in_channel":
        ts = state.new_ts()
        state.messages[(channel, ts)] = Message(channel, ts, text, blocks, state.bot_user_id)
    else:
        state.ephemerals.append(Ephemeral(user, channel, text, blocks, source))


def apply_response_url(state: SlackState, response_id: str, body: JsonDict) -> bool:
    """Record and apply a POST to a response URL; False when the URL is unknown."""
    with state.lock:
        context = state.response_urls.get(response_id)
        if context is None:
            return False
        state.responses.append(
            ResponseUrlPost(
                response_id, context["user"], context["channel"], body, context["message_ts"]
            )
        )
        apply_visible_reply(
            state,
            user=context["user"],
            channel=context["channel"],
            body=body,
            source="response_url",
            message_ts=context["message_ts"],
        )
        state.changed()
    return True


def apply_view_ack(state: SlackState, view_id: str, payload: JsonDict | None) -> None:
    """A view_submission ack: close the modal, show field errors, or update / push a view."""
    with state.lock:
        view = state.views.get(view_id)
        if view is None:
            return
        action = (payload or {}).get("response_action")
        if action == "errors":
            view.errors = dict((payload or {}).get("errors") or {})
        elif action == "update":
            view.payload = {**view.payload, **(payload or {}).get("view", {})}
            view.errors = {}
        elif action == "push":
            pushed = dict((payload or {}).get("view", {}))
            new = View(state.new_id("V"), view.user, pushed, uuid.uuid4().hex)
            new.payload["id"] = new.id
            state.views[new.id] = new
        else:
            view.closed = True
            view.errors = {}

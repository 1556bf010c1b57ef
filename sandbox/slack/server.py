"""The local Slack server's Python API: drive the app like users would, then read what it did.

    with LocalSlack() as slack:
        app = build_app(settings_with(slack_api_url=slack.api_url))
        ...
        envelope = slack.send_slash_command("U1", 'investigate "latency"')
        slack.wait_ack(envelope)

Everything the app does is recorded; see :class:`~sandbox.slack.records.SlackState`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from sandbox.slack.records import (
    AckRecord,
    ApiCall,
    Channel,
    Ephemeral,
    JsonDict,
    Message,
    ResponseUrlPost,
    UploadedFile,
    User,
    UserGroup,
    View,
)
from sandbox.slack.transport import SlackTransport


class ButtonWhere(TypedDict, total=False):
    """Where a button is (``button_click_payload``'s keywords): on the message ``message_ts``
    (in ``channel``) or the view ``view_id``, narrowed by ``block_id`` / ``value``."""

    message_ts: str | None
    channel: str | None
    view_id: str | None
    block_id: str | None
    value: str | None
    action_ts: str | None


class LocalSlack(SlackTransport):
    """A Slack workspace on 127.0.0.1 that a real ``slack_bolt`` app connects to."""

    def __enter__(self) -> LocalSlack:
        self.start()
        return self

    # ------------------------------------------------------------------ driving the app
    def send_slash_command(
        self, user: str, text: str, *, channel: str = "general", command: str = "/aiops"
    ) -> str:
        """Type ``/aiops <text>`` as ``user`` in ``channel``; returns the envelope id."""
        return self._send(
            "slash_commands", self.payloads.slash_command(user, text, channel, command)
        )

    def click_button(self, user: str, action_id: str, **where: Unpack[ButtonWhere]) -> str:
        """Click a button that is really on a posted message (or view), found by action_id
        (narrowed by block_id / value when several match). Returns the envelope id."""
        return self._send("interactive", self.button_click_payload(user, action_id, **where))

    def button_click_payload(
        self,
        user: str,
        action_id: str,
        *,
        message_ts: str | None = None,
        channel: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        value: str | None = None,
        action_ts: str | None = None,
    ) -> JsonDict:
        """The ``block_actions`` payload ``click_button`` would deliver (not sent)."""
        message, view = self._container(message_ts, channel, view_id)
        blocks = message.blocks if message is not None else view.blocks if view else []
        element = _find_button(blocks, action_id, block_id, value)
        action = {
            "type": element["element"].get("type", "button"),
            "action_id": action_id,
            "block_id": element["block_id"],
            "text": element["element"].get("text", {"type": "plain_text", "text": ""}),
            "value": element["element"].get("value", ""),
            "action_ts": action_ts or f"{time.time():.6f}",
        }
        return self.payloads.block_action(user, action, message=message, view=view)

    def send_block_action(
        self,
        user: str,
        action: JsonDict,
        *,
        message: Message | None = None,
        view: View | None = None,
    ) -> str:
        """Low level: deliver an arbitrary ``block_actions`` action (e.g. a forged value)."""
        payload = self.payloads.block_action(user, action, message=message, view=view)
        return self._send("interactive", payload)

    def submit_view(self, user: str, view_id: str, values: Mapping[str, Mapping[str, Any]]) -> str:
        """Submit an open modal; ``values`` is ``{block_id: {action_id: text_or_state}}``."""
        with self.state.lock:
            view = self.state.views.get(view_id)
        if view is None or view.closed:
            raise LookupError(f"no open view {view_id!r}")
        return self._send("interactive", self.payloads.view_submission(user, view, values))

    def send_event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> str:
        """Deliver an Events API event; re-send with the same ``event_id`` and ``retry_num=1``
        (``retry_reason="timeout"``) to mimic Slack's retries."""
        payload = self.payloads.event_callback(event, event_id or self.state.new_id("Ev"))
        return self._send(
            "events_api",
            payload,
            retry_attempt=retry_num or 0,
            retry_reason=retry_reason or ("timeout" if retry_num else ""),
        )

    def open_app_home(self, user: str, **retry: Any) -> str:
        self.state.ensure_user(user)
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.state.dm_channel(user).id,
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        return self.send_event(event, **retry)

    def payload_of(self, envelope_id: str) -> JsonDict:
        """The payload an envelope carried (e.g. an event's ``event_id``)."""
        with self.state.lock:
            return self._delivered[envelope_id][1]

    def redeliver(self, envelope_id: str) -> str:
        """Deliver an envelope's payload again on another connection (when the app has one),
        as Slack does when an ack does not arrive in time; an event's ``retry_attempt`` goes
        up. Returns the new envelope id."""
        with self.state.lock:
            kind, payload, extra = self._delivered[envelope_id]
            first = self.state.acks[envelope_id].connection
        if kind == "events_api":
            extra = {**extra, "retry_attempt": int(extra.get("retry_attempt") or 0) + 1}
            extra["retry_reason"] = "timeout"
        return self._send(kind, payload, avoid=first, **extra)

    def disconnect_clients(self) -> None:
        """Ask every connected app to reconnect (Slack's ``disconnect`` message)."""
        for link in list(self._connections):
            self._run(
                link.ws.send_text(json.dumps({"type": "disconnect", "reason": "refresh_requested"}))
            )

    def _container(
        self, message_ts: str | None, channel: str | None, view_id: str | None
    ) -> tuple[Message | None, View | None]:
        with self.state.lock:
            if view_id is not None:
                view = self.state.views.get(view_id)
                if view is None:
                    raise LookupError(f"no view {view_id!r}")
                return None, view
            if message_ts is None:
                raise ValueError("give message_ts (with channel) or view_id")
            wanted = self.state.resolve_channel(channel) if channel is not None else None
            for msg in self.state.messages.values():
                in_channel = wanted is None or wanted.id == msg.channel
                if msg.ts == message_ts and not msg.deleted and in_channel:
                    return msg, None
        raise LookupError(f"no message {message_ts!r}")

    # ------------------------------------------------------------------ workspace set-up
    def add_channel(self, name: str, *, private: bool = False) -> str:
        with self.state.lock:
            existing = self.state.resolve_channel(name)
            if existing is not None:
                return existing.id
            channel = Channel(self.state.new_id("C"), name.lstrip("#"), is_private=private)
            self.state.channels[channel.id] = channel
            return channel.id

    def add_user(
        self, user_id: str, name: str, *, email: str | None = None, real_name: str | None = None
    ) -> User:
        user = User(user_id, name, real_name or name, email or f"{name}@example.test")
        with self.state.lock:
            self.state.users[user_id] = user
        return user

    def add_usergroup(self, handle: str, users: list[str], *, name: str | None = None) -> str:
        group = UserGroup(self.state.new_id("S"), handle, name or handle, list(users))
        with self.state.lock:
            self.state.usergroups[group.id] = group
        return group.id

    def channel_id(self, name: str) -> str:
        channel = self.state.resolve_channel(name)
        if channel is None:
            raise LookupError(f"no channel {name!r}")
        return channel.id

    # ------------------------------------------------------------------ observing
    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> AckRecord:
        """Block until the app acked the envelope (without waking on unrelated changes)."""
        record = self.ack(envelope_id)
        if not record.done.wait(timeout):
            raise TimeoutError(f"envelope {envelope_id} not acked within {timeout:.1f}s")
        return record

    def ack(self, envelope_id: str) -> AckRecord:
        with self.state.lock:
            return self.state.acks[envelope_id]

    @property
    def acks(self) -> list[AckRecord]:
        with self.state.lock:
            return list(self.state.acks.values())

    def messages(self, channel: str) -> list[Message]:
        """Top-level messages in ``channel`` (id or name), oldest first, current content."""
        cid = self.channel_id(channel)
        with self.state.lock:
            found = [
                m
                for m in self.state.messages.values()
                if m.channel == cid and not m.deleted and m.thread_ts in (None, m.ts)
            ]
        return sorted(found, key=lambda m: m.ts)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """Replies under the message ``ts`` (without the parent), oldest first."""
        cid = self.channel_id(channel)
        with self.state.lock:
            found = [
                m
                for m in self.state.messages.values()
                if m.channel == cid and not m.deleted and m.thread_ts == ts and m.ts != ts
            ]
        return sorted(found, key=lambda m: m.ts)

    def ephemerals(self, user: str) -> list[Ephemeral]:
        with self.state.lock:
            return [e for e in self.state.ephemerals if e.user == user]

    def views(self, user: str | None = None) -> list[View]:
        with self.state.lock:
            return [v for v in self.state.views.values() if user is None or v.user == user]

    def home(self, user: str) -> View | None:
        with self.state.lock:
            view_id = self.state.home.get(user)
            return self.state.views.get(view_id) if view_id else None

    def files(self) -> list[UploadedFile]:
        with self.state.lock:
            return list(self.state.files.values())

    def responses(self) -> list[ResponseUrlPost]:
        with self.state.lock:
            return list(self.state.responses)

    def api_calls(self, method: str | None = None) -> list[ApiCall]:
        with self.state.lock:
            return [c for c in self.state.api_calls if method is None or c.method == method]


def _find_button(
    blocks: list[JsonDict], action_id: str, block_id: str | None, value: str | None
) -> dict[str, Any]:
    found = []
    for block in blocks:
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if not isinstance(element, dict) or element.get("action_id") != action_id:
                continue
            if block_id is not None and block.get("block_id") != block_id:
                continue
            if value is not None and element.get("value") != value:
                continue
            found.append({"block_id": block.get("block_id", ""), "element": element})
    if len(found) != 1:
        raise LookupError(
            f"{len(found)} buttons match action_id={action_id!r} block_id={block_id!r} "
            f"value={value!r}"
        )
    return found[0]

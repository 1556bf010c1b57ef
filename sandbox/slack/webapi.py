"""The Web API methods of the local Slack server: ``/api/<method>`` → a JSON answer.

Each method reads already-decoded params (form, JSON and query merged) and answers like Slack:
``{"ok": true, …}`` or ``{"ok": false, "error": "<code>"}``. Everything is recorded in
:class:`~sandbox.slack.records.SlackState`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sandbox.slack.limits import MAX_MESSAGE_TEXT, block_errors, view_errors
from sandbox.slack.records import (
    ApiCall,
    Channel,
    Ephemeral,
    JsonDict,
    Message,
    SlackState,
    UploadedFile,
    View,
)

JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata")


class ApiError(Exception):
    def __init__(self, code: str, *messages: str) -> None:
        super().__init__(code)
        self.code = code
        self.messages = list(messages)


def decode_params(params: dict[str, Any]) -> JsonDict:
    """Form-encoded requests carry blocks/view/files as JSON strings: decode them."""
    out = dict(params)
    for key in JSON_PARAMS:
        value = out.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ApiError(f"invalid_{key}", str(exc)) from None
    return out


class WebApi:
    """Slack Web API methods over the shared state. ``base_url`` is ``http://127.0.0.1:PORT``."""

    def __init__(self, state: SlackState, base_url: Callable[[], str]) -> None:
        self.state = state
        self.base_url = base_url
        self.methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self.auth_test,
            "apps.connections.open": self.connections_open,
            "chat.postMessage": self.post_message,
            "chat.update": self.update_message,
            "chat.postEphemeral": self.post_ephemeral,
            "chat.getPermalink": self.permalink,
            "views.open": self.views_open,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "files.getUploadURLExternal": self.upload_url,
            "files.completeUploadExternal": self.complete_upload,
            "conversations.list": self.conversations_list,
            "conversations.info": self.conversations_info,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.join": self.conversations_join,
            "users.info": self.users_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "usergroups.list": self.usergroups_list,
        }

    # ---- entry point
    def call(self, method: str, token: str | None, raw_params: dict[str, Any]) -> JsonDict:
        try:
            params = decode_params(raw_params)
            handler = self.methods.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            self._check_token(method, token or params.get("token"))
            result = {"ok": True, **handler(params)}
        except ApiError as exc:
            result = {"ok": False, "error": exc.code}
            if exc.messages:
                result["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in exc.messages]}
            params = raw_params
        safe = {k: v for k, v in params.items() if k != "token"}
        with self.state.lock:
            self.state.api_calls.append(ApiCall(method, safe, result["ok"], result.get("error")))
            self.state.changed()
        return result

    def _check_token(self, method: str, token: Any) -> None:
        if not token:
            raise ApiError("not_authed")
        token = str(token)
        wants_app_token = method == "apps.connections.open"
        if wants_app_token != token.startswith("xapp-"):
            raise ApiError("not_allowed_token_type")
        if not wants_app_token and not token.startswith(("xoxb-", "xoxp-")):
            raise ApiError("invalid_auth")

    # ---- helpers
    def _channel(self, params: JsonDict, key: str = "channel") -> Channel:
        ref = params.get(key)
        if not ref:
            raise ApiError("channel_not_found", f"missing {key}")
        channel = self.state.resolve_channel(str(ref))
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def _content(self, params: JsonDict) -> tuple[str, list[JsonDict]]:
        text = str(params.get("text") or "")
        blocks = params.get("blocks") or []
        if not text and not blocks:
            raise ApiError("no_text")
        if len(text) > MAX_MESSAGE_TEXT:
            raise ApiError("msg_too_long")
        errors = block_errors(blocks)
        if errors:
            raise ApiError("invalid_blocks", *errors)
        return text, blocks

    def _message(self, channel: Channel, ts: Any) -> Message:
        message = self.state.messages.get((channel.id, str(ts)))
        if message is None or message.deleted:
            raise ApiError("message_not_found")
        return message

    def _user_id(self, params: JsonDict, key: str = "user") -> str:
        user = params.get(key)
        if not user or str(user) not in self.state.users:
            raise ApiError("user_not_found")
        return str(user)

    # ---- auth / socket mode
    def auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "url": self.base_url() + "/",
            "team": "sandbox",
            "user": "aiops",
            "team_id": self.state.team_id,
            "user_id": self.state.bot_user_id,
            "bot_id": self.state.bot_id,
            "is_enterprise_install": False,
        }

    def connections_open(self, params: JsonDict) -> JsonDict:
        """A one-use URL: each connection of the app opens its own."""
        ws = self.base_url().replace("http://", "ws://", 1)
        ticket = str(uuid.uuid4())
        with self.state.lock:
            self.state.tickets.add(ticket)
        return {"url": f"{ws}/link?ticket={ticket}&app_id={self.state.app_id}"}

    # ---- chat
    def post_message(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        text, blocks = self._content(params)
        with self.state.lock:
            thread_ts = params.get("thread_ts") or None
            if thread_ts is not None:
                self._message(channel, thread_ts)
            ts = self.state.new_ts()
            message = Message(
                channel.id, ts, text, blocks, self.state.bot_user_id, thread_ts=thread_ts
            )
            self.state.messages[(channel.id, ts)] = message
        return {"channel": channel.id, "ts": ts, "message": message.to_api(self.state.bot_id)}

    def update_message(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        with self.state.lock:
            message = self._message(channel, params.get("ts"))
            if "text" in params or "blocks" in params:
                text = str(params.get("text", message.text) or "")
                blocks = params.get("blocks", message.blocks) or []
                errors = block_errors(blocks)
                if errors:
                    raise ApiError("invalid_blocks", *errors)
                message.text, message.blocks = text, blocks
            message.edits += 1
            api = message.to_api(self.state.bot_id)
        return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": api}

    def post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        user = self._user_id(params)
        text, blocks = self._content(params)
        ephemeral = Ephemeral(
            user, channel.id, text, blocks, "api", thread_ts=params.get("thread_ts") or None
        )
        with self.state.lock:
            self.state.ephemerals.append(ephemeral)
        return {"message_ts": self.state.new_ts()}

    def permalink(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        with self.state.lock:
            message = self._message(channel, params.get("message_ts"))
        link = f"{self.base_url()}/archives/{channel.id}/p{message.ts.replace('.', '')}"
        return {"channel": channel.id, "permalink": link}

    # ---- views
    def _store_view(self, view: View) -> JsonDict:
        payload = {
            **view.payload,
            "id": view.id,
            "team_id": self.state.team_id,
            "app_id": self.state.app_id,
            "bot_id": self.state.bot_id,
            "hash": view.hash,
            "state": {"values": {}},
            "root_view_id": view.id,
            "previous_view_id": None,
        }
        view.payload = payload
        with self.state.lock:
            self.state.views[view.id] = view
        return {"view": payload}

    def views_open(self, params: JsonDict) -> JsonDict:
        trigger = str(params.get("trigger_id") or "")
        with self.state.lock:
            user = self.state.triggers.get(trigger)
        if user is None:
            raise ApiError("invalid_trigger_id")
        view = params.get("view")
        errors = view_errors(view)
        if errors:
            raise ApiError("invalid_arguments", *errors)
        assert isinstance(view, dict)
        new = View(
            self.state.new_id("V"), user, dict(view), uuid.uuid4().hex, view.get("external_id")
        )
        return self._store_view(new)

    def views_update(self, params: JsonDict) -> JsonDict:
        with self.state.lock:
            current = self.state.views.get(str(params.get("view_id") or ""))
            if current is None and params.get("external_id"):
                ext = params["external_id"]
                current = next((v for v in self.state.views.values() if v.external_id == ext), None)
        if current is None:
            raise ApiError("not_found")
        if params.get("hash") and params["hash"] != current.hash:
            raise ApiError("hash_conflict")
        view = params.get("view")
        errors = view_errors(view, home=current.type == "home")
        if errors:
            raise ApiError("invalid_arguments", *errors)
        assert isinstance(view, dict)
        current.payload, current.hash = dict(view), uuid.uuid4().hex
        return self._store_view(current)

    def views_publish(self, params: JsonDict) -> JsonDict:
        user = self._user_id(params, "user_id")
        view = params.get("view")
        errors = view_errors(view, home=True)
        if errors:
            raise ApiError("invalid_arguments", *errors)
        assert isinstance(view, dict)
        with self.state.lock:
            view_id = self.state.home.get(user) or self.state.new_id("V")
            self.state.home[user] = view_id
        return self._store_view(View(view_id, user, dict(view), uuid.uuid4().hex))

    # ---- files
    def upload_url(self, params: JsonDict) -> JsonDict:
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except (TypeError, ValueError):
            raise ApiError("invalid_arguments", "length must be an integer") from None
        if not filename or length <= 0:
            raise ApiError("invalid_arguments", "filename and length are required")
        file = UploadedFile(self.state.new_id("F"), filename, length)
        with self.state.lock:
            self.state.files[file.id] = file
        return {"upload_url": f"{self.base_url()}/upload/{file.id}", "file_id": file.id}

    def complete_upload(self, params: JsonDict) -> JsonDict:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments", "files must be a non-empty JSON array")
        channel = self._channel(params, "channel_id") if params.get("channel_id") else None
        thread_ts = params.get("thread_ts") or None
        done: list[JsonDict] = []
        with self.state.lock:
            for entry in entries:
                file = self.state.files.get(str(entry.get("id")))
                if file is None or not file.data:
                    raise ApiError("file_not_found")
                file.title = entry.get("title") or file.filename
                file.completed = True
                file.channel = channel.id if channel else None
                file.thread_ts = thread_ts
                file.initial_comment = params.get("initial_comment")
                done.append({"id": file.id, "name": file.filename, "title": file.title})
            if channel is not None:
                ts = self.state.new_ts()
                text = str(params.get("initial_comment") or "")
                message = Message(channel.id, ts, text, [], self.state.bot_user_id, thread_ts)
                message.files = [f["id"] for f in done]
                self.state.messages[(channel.id, ts)] = message
        return {"files": done}

    # ---- conversations
    def conversations_list(self, params: JsonDict) -> JsonDict:
        types = str(params.get("types") or "public_channel").split(",")
        with self.state.lock:
            channels = [
                c.to_api()
                for c in self.state.channels.values()
                if (c.is_im and "im" in types)
                or (c.is_private and "private_channel" in types)
                or (not c.is_im and not c.is_private and "public_channel" in types)
            ]
        return {"channels": channels, "response_metadata": {"next_cursor": ""}}

    def conversations_info(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        info = channel.to_api()
        info["is_member"] = self.state.bot_user_id in channel.members
        return {"channel": info}

    def conversations_history(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        limit = int(params.get("limit") or 100)
        with self.state.lock:
            top = [
                m.to_api(self.state.bot_id)
                for m in self.state.messages.values()
                if m.channel == channel.id and not m.deleted and m.thread_ts in (None, m.ts)
            ]
        top.sort(key=lambda m: m["ts"], reverse=True)
        return {"messages": top[:limit], "has_more": len(top) > limit}

    def conversations_replies(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        with self.state.lock:
            parent = self._message(channel, params.get("ts"))
            thread = [
                m.to_api(self.state.bot_id)
                for m in self.state.messages.values()
                if m.channel == channel.id and not m.deleted and m.thread_ts == parent.ts
            ]
        thread.sort(key=lambda m: m["ts"])
        return {"messages": [parent.to_api(self.state.bot_id), *thread], "has_more": False}

    def conversations_join(self, params: JsonDict) -> JsonDict:
        channel = self._channel(params)
        with self.state.lock:
            channel.members.add(self.state.bot_user_id)
        return {"channel": {**channel.to_api(), "is_member": True}}

    # ---- users
    def users_info(self, params: JsonDict) -> JsonDict:
        user = self.state.users[self._user_id(params)]
        return {"user": user.to_api(self.state.team_id)}

    def users_lookup_by_email(self, params: JsonDict) -> JsonDict:
        email = str(params.get("email") or "").lower()
        with self.state.lock:
            user = next((u for u in self.state.users.values() if u.email.lower() == email), None)
        if user is None:
            raise ApiError("users_not_found")
        return {"user": user.to_api(self.state.team_id)}

    def usergroups_list(self, params: JsonDict) -> JsonDict:
        include_users = str(params.get("include_users", "")).lower() in {"1", "true"}
        with self.state.lock:
            groups = []
            for group in self.state.usergroups.values():
                item: JsonDict = {
                    "id": group.id,
                    "team_id": self.state.team_id,
                    "handle": group.handle,
                    "name": group.name,
                    "user_count": len(group.users),
                }
                if include_users:
                    item["users"] = list(group.users)
                groups.append(item)
        return {"usergroups": groups}

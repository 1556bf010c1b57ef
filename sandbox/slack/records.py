"""What the local Slack server remembers: workspace objects and everything the app sent.

All state lives in one :class:`SlackState` guarded by a condition variable, so tests (and the
terminal demo) can wait for "the app posted X" without sleeping.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

JsonDict = dict[str, Any]


def unescape(text: str) -> str:
    """mrkdwn as a reader sees it: ``&lt;`` → ``<`` and so on."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def flatten_text(blocks: Iterable[Any]) -> str:
    """Every human-readable string inside Block Kit JSON, joined by newlines (for assertions)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            text = node.get("text")
            if isinstance(text, str) and node.get("type") in {"mrkdwn", "plain_text"}:
                out.append(text)
            for key, value in node.items():
                if key != "text" or not isinstance(value, str):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(list(blocks))
    return "\n".join(out)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    members: set[str] = field(default_factory=set)

    def to_api(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_im,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_archived": False,
            "is_member": False,
            "num_members": len(self.members),
        }


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str
    is_bot: bool = False
    tz: str = "UTC"

    def to_api(self, team_id: str) -> JsonDict:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "is_bot": self.is_bot,
            "deleted": False,
            "tz": self.tz,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "email": self.email,
            },
        }


@dataclass
class UserGroup:
    id: str
    handle: str
    name: str
    users: list[str]


@dataclass
class Message:
    """A message in a channel (top level or thread reply), with its current content."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonDict]
    user: str
    thread_ts: str | None = None
    edits: int = 0
    deleted: bool = False
    files: list[str] = field(default_factory=list)

    @property
    def all_text(self) -> str:
        """The fallback text plus every text inside the blocks, unescaped (as a reader sees it)."""
        return unescape("\n".join(t for t in (self.text, flatten_text(self.blocks)) if t))

    def to_api(self, bot_id: str) -> JsonDict:
        out: JsonDict = {
            "type": "message",
            "user": self.user,
            "bot_id": bot_id,
            "text": self.text,
            "blocks": self.blocks,
            "ts": self.ts,
        }
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.edits:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if self.files:
            out["files"] = [{"id": f} for f in self.files]
        return out


@dataclass
class Ephemeral:
    """A message only ``user`` sees: chat.postEphemeral, a command ack, or a response_url post."""

    user: str
    channel: str
    text: str
    blocks: list[JsonDict]
    source: str  # "api" | "ack" | "response_url"
    thread_ts: str | None = None

    @property
    def all_text(self) -> str:
        return unescape("\n".join(t for t in (self.text, flatten_text(self.blocks)) if t))


@dataclass
class View:
    """A modal or an App Home tab, as last opened / updated / published."""

    id: str
    user: str
    payload: JsonDict
    hash: str
    external_id: str | None = None
    closed: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.payload.get("type", ""))

    @property
    def callback_id(self) -> str:
        return str(self.payload.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.payload.get("private_metadata", ""))

    @property
    def blocks(self) -> list[JsonDict]:
        return list(self.payload.get("blocks", []))

    @property
    def all_text(self) -> str:
        return unescape(flatten_text([self.payload.get("title", {}), *self.blocks]))


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    data: bytes = b""
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    completed: bool = False


@dataclass
class AckRecord:
    """One socket-mode envelope: when we sent it, when (and with what) the app acked it."""

    envelope_id: str
    type: str
    sent_at: float
    acked_at: float | None = None
    payload: JsonDict | None = None
    connection: int = 0  # the socket-mode connection it was sent on (numbered from 1)
    acked_on: int | None = None  # the connection the ack came back on
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def latency(self) -> float | None:
        """Seconds from envelope sent to ack received (None while not acked)."""
        return None if self.acked_at is None else self.acked_at - self.sent_at


@dataclass
class ResponseUrlPost:
    """A POST the app made to a ``response_url`` we issued."""

    response_id: str
    user: str
    channel: str
    body: JsonDict
    message_ts: str | None = None


@dataclass
class ApiCall:
    method: str
    params: JsonDict
    ok: bool
    error: str | None = None


class SlackState:
    """The whole workspace plus the recordings, behind one lock.

    Mutate only inside ``with state.lock:`` and call :meth:`changed` afterwards (or use
    :meth:`mutate`); readers use the same lock. ``wait_for`` wakes on every change.
    """

    def __init__(self, *, team_id: str, bot_user_id: str, bot_id: str, app_id: str) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.lock = threading.Condition(threading.RLock())
        self._ids = itertools.count(1)
        self._last_ts = 0.0
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.home: dict[str, str] = {}  # user id -> view id
        self.files: dict[str, UploadedFile] = {}
        self.acks: dict[str, AckRecord] = {}
        self.responses: list[ResponseUrlPost] = []
        self.response_urls: dict[str, JsonDict] = {}  # id -> context of the issuing payload
        self.triggers: dict[str, str] = {}  # trigger id -> user id
        self.api_calls: list[ApiCall] = []
        self.unacked_log: list[str] = []
        self.tickets: set[str] = set()  # socket-mode URLs handed out and not used yet

    # ---- ids
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def new_ts(self) -> str:
        with self.lock:
            now = max(time.time(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    # ---- change notification
    def changed(self) -> None:
        with self.lock:
            self.lock.notify_all()

    def wait_for(self, predicate: Callable[[], T | None], timeout: float) -> T:
        """Re-evaluate ``predicate`` on every change until it returns something truthy."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout:.1f}s")
                self.lock.wait(remaining)

    # ---- lookups
    def resolve_channel(self, ref: str) -> Channel | None:
        """A channel by id, by name (with or without '#'), or a user id (its DM channel)."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            name = ref.lstrip("#")
            for channel in self.channels.values():
                if channel.name == name and not channel.is_im:
                    return channel
            if ref in self.users:
                return self.dm_channel(ref)
            return None

    def dm_channel(self, user_id: str) -> Channel:
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.name == user_id:
                    return channel
            channel = Channel(id=self.new_id("D"), name=user_id, is_im=True, members={user_id})
            self.channels[channel.id] = channel
            return channel

    def ensure_user(self, user_id: str) -> User:
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                name = user_id.lower()
                user = User(user_id, name, name, f"{name}@example.test")
                self.users[user_id] = user
            return user

"""``IncidentPublisher``: what incident flows call to keep ONE message per incident current.

- ``publish(view)`` posts the incident message once (returns where it went: channel + ts),
- ``update(view)`` edits it (``chat.update`` in Slack),
- ``thread(view, text, alerts=…)`` adds one reply in its thread. Flows fold bursts: all new
  alerts of one incident in one ingest batch make ONE ``thread`` call.

The Slack implementation lives with the Slack handlers; ``RecordingPublisher`` keeps everything
in memory (tests, the terminal, replays) and ``NullPublisher`` drops it. The port lives beside the
incident views it speaks, so the incident flows and the escalation reach it without a circle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.incidents.models import AlertLine, IncidentView


@dataclass(frozen=True)
class MessageRef:
    channel: str
    ts: str


class IncidentPublisher(Protocol):
    def publish(self, incident: IncidentView) -> MessageRef | None: ...

    def update(self, incident: IncidentView) -> None: ...

    def thread(
        self, incident: IncidentView, text: str, *, alerts: Sequence[AlertLine] = ()
    ) -> None: ...


class NullPublisher:
    def publish(self, incident: IncidentView) -> MessageRef | None:
        return None

    def update(self, incident: IncidentView) -> None:
        return None

    def thread(
        self, incident: IncidentView, text: str, *, alerts: Sequence[AlertLine] = ()
    ) -> None:
        return None


@dataclass
class Recorded:
    kind: str  # publish | update | thread
    incident_id: int
    text: str
    view: IncidentView
    alerts: tuple[AlertLine, ...] = ()


@dataclass
class RecordingPublisher:
    """Thread-safe in-memory publisher: ``messages`` holds one ``Recorded`` per call."""

    channel: str = "#incidents"
    messages: list[Recorded] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def publish(self, incident: IncidentView) -> MessageRef | None:
        with self._lock:
            self.messages.append(Recorded("publish", incident.id, incident.title, incident))
            channel = incident.slack_channel or self.channel  # the owning team's channel
            return MessageRef(channel, f"{len(self.messages)}.000100")

    def update(self, incident: IncidentView) -> None:
        with self._lock:
            self.messages.append(Recorded("update", incident.id, incident.status, incident))

    def thread(
        self, incident: IncidentView, text: str, *, alerts: Sequence[AlertLine] = ()
    ) -> None:
        with self._lock:
            self.messages.append(Recorded("thread", incident.id, text, incident, tuple(alerts)))

    def of(self, incident_id: int, kind: str | None = None) -> list[Recorded]:
        with self._lock:
            return [
                m
                for m in self.messages
                if m.incident_id == incident_id and (kind is None or m.kind == kind)
            ]


class HookedPublisher:
    """Publisher decorator for the hooks of other domains: ``on_opened(id)`` after a new
    incident's message is posted, ``on_grew(id)`` after new alerts are added to its thread.
    Escalation ("opened → page") and automatic investigation ("opened / grew → investigate")
    wrap the incident flows' publisher with it."""

    def __init__(
        self,
        inner: IncidentPublisher,
        on_opened: Callable[[int], None],
        on_grew: Callable[[int], None] | None = None,
    ) -> None:
        self.inner, self.on_opened, self.on_grew = inner, on_opened, on_grew

    def publish(self, incident: IncidentView) -> MessageRef | None:
        ref = self.inner.publish(incident)
        self.on_opened(incident.id)
        return ref

    def update(self, incident: IncidentView) -> None:
        self.inner.update(incident)

    def thread(
        self, incident: IncidentView, text: str, *, alerts: Sequence[AlertLine] = ()
    ) -> None:
        self.inner.thread(incident, text, alerts=alerts)
        if alerts and self.on_grew is not None:
            self.on_grew(incident.id)

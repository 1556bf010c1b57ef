"""Test helpers for tests/slack: a recording fake of the services boundary, and waits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from handlers.slack.services import MemoryDedup, Services, default_services
from sandbox.slack import AckRecord, Ephemeral, LocalSlack


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]

    @property
    def user(self) -> str:
        return str(self.args[0].user_id)


class FakeServices:
    """Records calls; by default behaves like the real defaults ("not available yet")."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.dedup_keys: list[tuple[str, bool]] = []
        self.overrides: dict[str, Callable[..., Any]] = {}
        self._lock = threading.Lock()
        self._dedup = MemoryDedup()

    def services(self) -> Services:
        defaults = default_services()
        wrapped: dict[str, Any] = {}
        for f in fields(Services):
            if f.name == "dedup":
                continue
            wrapped[f.name] = self._recorder(f.name, getattr(defaults, f.name))
        return Services(**wrapped, dedup=self._record_dedup)

    def _recorder(self, name: str, default: Callable[..., Any]) -> Callable[..., Any]:
        def service(*args: Any) -> Any:
            with self._lock:
                self.calls.append(Call(name, args))
            return self.overrides.get(name, default)(*args)

        return service

    def _record_dedup(self, key: str) -> bool:
        first = self._dedup(key)
        with self._lock:
            self.dedup_keys.append((key, first))
        return first

    def calls_by(self, user: str, name: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.user == user and name in (None, c.name)]


def command(slack: LocalSlack, user: str, text: str, **kw: Any) -> AckRecord:
    """Send ``/aiops <text>`` and wait for the ack."""
    return slack.wait_ack(slack.send_slash_command(user, text, **kw))


def ephemeral(slack: LocalSlack, user: str, contains: str, timeout: float = 5.0) -> Ephemeral:
    """Wait for an ephemeral message to ``user`` containing ``contains``."""

    def found() -> Ephemeral | None:
        return next((e for e in slack.ephemerals(user) if contains in e.all_text), None)

    try:
        return slack.wait_for(found, timeout)
    except TimeoutError:
        seen = [e.all_text for e in slack.ephemerals(user)]
        raise AssertionError(f"no ephemeral with {contains!r} for {user}; got {seen}") from None

"""Delivery channels. Each has ``send(target, message, dedup_key)`` and raises ``SendError``."""

from __future__ import annotations

from typing import Protocol

from bot.notify.models import Message, Target


class Channel(Protocol):
    def send(self, target: Target, message: Message, dedup_key: str) -> None: ...


class SlackSender(Protocol):
    """The port Slack delivery goes through; ``handlers/`` wires a Web API implementation.

    It renders ``message`` for ``target`` (channel, DM, user-group mention or the incident's
    thread) and raises ``bot.notify.models.SendError`` (transient for 429/5xx/network).
    """

    def send(self, target: Target, message: Message, dedup_key: str) -> None: ...


__all__ = ["Channel", "SlackSender"]

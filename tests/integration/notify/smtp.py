"""A local SMTP server (aiosmtpd) that records mail and can answer scripted errors first."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self) -> None:
        self.mail: list[Message] = []
        self.script: list[str] = []  # e.g. ["451 4.3.0 try later"]: answered before accepting

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.script:
            return self.script.pop(0)
        self.mail.append(message_from_bytes(envelope.content))
        return "250 OK"


class LocalSmtp:
    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> LocalSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def mail(self) -> list[Message]:
        return self.handler.mail

    def fail_next(self, *replies: str) -> None:
        self.handler.script.extend(replies)

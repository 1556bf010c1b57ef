"""``OpsNotice``: where operational notices go (a failed runbook sync). The Slack one posts in
the ops channel and lives with the Slack handlers; ``RecordingOps`` keeps notices in memory
(tests, the terminal) and ``NullOps`` drops them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


class OpsNotice(Protocol):
    def notify(self, text: str) -> None:
        """Tell the operators ``text`` (Markdown-ish plain text; never raises)."""
        ...


class NullOps:
    def notify(self, text: str) -> None:
        return None


@dataclass
class RecordingOps:
    notices: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def notify(self, text: str) -> None:
        with self._lock:
            self.notices.append(text)

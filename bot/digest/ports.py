"""``DigestPoster``: where the digest goes. The Slack implementation (``chat.postMessage`` +
``files_upload_v2``) lives with the Slack handlers; ``RecordingPoster`` keeps posts in memory."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class DigestPoster(Protocol):
    def post(self, channel: str, text: str, files: Sequence[Path]) -> str:
        """Post ``text`` with ``files`` (PNG charts) to ``channel``; returns the message id."""
        ...


@dataclass(frozen=True)
class Post:
    channel: str
    text: str
    files: tuple[Path, ...]


@dataclass
class RecordingPoster:
    posts: list[Post] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def post(self, channel: str, text: str, files: Sequence[Path]) -> str:
        with self._lock:
            self.posts.append(Post(channel, text, tuple(files)))
            return f"{len(self.posts)}.000000"

"""The live runbook set: the one every door reads (``/aiops runbook``, ``runbook.run``, the
investigation's offers), swapped whole and at once when a sync validated a new version.

``current()`` is the shipped folder until a sync swaps in a repository's set; a set carries the
commit it came from, so an execution records the version it ran. Earlier sets stay reachable by
commit for a while (``at``), so a request preflighted on one version runs, verifies and rolls
back on that same version even when a push lands in between.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.remediate.runbooks import Runbook

KEPT_VERSIONS = 20


@dataclass(frozen=True)
class RunbookSet:
    books: dict[str, Runbook]
    commit: str | None = None  # None: the folder shipped with the install
    source: str = "bundled"  # bundled | a redacted git URL
    synced_at: str | None = None  # ISO time of the sync that made it live

    @property
    def version(self) -> str:
        return self.commit[:12] if self.commit else "bundled"


@dataclass
class LiveRunbooks:
    """``bundled`` loads the shipped folder (the registry sets it: it holds the lookup)."""

    bundled: Callable[[], dict[str, Runbook]] | None = None
    _current: RunbookSet | None = None
    _older: OrderedDict[str, RunbookSet] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def current(self) -> RunbookSet:
        with self._lock:
            if self._current is None:
                self._current = RunbookSet(self.bundled() if self.bundled else {})
            return self._current

    def swap(self, new: RunbookSet) -> RunbookSet | None:
        """Make ``new`` live; returns the set it replaced."""
        with self._lock:
            old, self._current = self._current, new
            for kept in (old, new):
                if kept is not None and kept.commit:
                    self._older[kept.commit] = kept
                    self._older.move_to_end(kept.commit)
            while len(self._older) > KEPT_VERSIONS:
                self._older.popitem(last=False)
            return old

    def at(self, commit: str | None) -> RunbookSet:
        """The set of ``commit`` while it is remembered, else the live one."""
        with self._lock:
            kept = self._older.get(commit) if commit else None
        return kept or self.current()

    def reset(self) -> None:
        """Back to the shipped folder (tests, and a bot whose git source was removed)."""
        with self._lock:
            self._current = None
            self._older.clear()


LIVE = LiveRunbooks()

"""``RunbookSync``: fetch the runbook repository, validate every file, and only then swap the
live set (``bot.remediate.runbooks_live.LIVE``) at once. A bad file leaves the previous good
version live and is reported (``OpsNotice``) as ``FILE:LINE: key: reason``, once per distinct
failure so a scheduled sync does not repeat it every few minutes.

The repository is mirrored into ``<cache>/repo.git`` with the git command line
(``integrations.gitrepo``); the last good commit is written to ``<cache>/live`` so a restart
with the remote unreachable brings the same version back (``restore``). Runs at start-up, on
the scheduler, on a signed GitHub push (``POST /webhooks/github``) and from ``aiops runbook
sync``; syncs never overlap (one lock).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.config import Settings, child_environment
from bot.remediate.runbooks import Runbook
from bot.remediate.runbooks_live import LIVE, LiveRunbooks, RunbookSet
from bot.runbooks.models import SyncResult
from bot.runbooks.ports import NullOps, OpsNotice
from bot.runbooks.validate import validate_files
from integrations.gitrepo import GitError, mirror, read_folder, redact, resolve

log = logging.getLogger("aiops.runbooks")


@dataclass
class RunbookSync:
    url: str
    ref: str
    cache: Path
    folder: str = ""
    live: LiveRunbooks = field(default_factory=lambda: LIVE)
    notice: OpsNotice = field(default_factory=NullOps)
    clock: Clock = field(default_factory=SystemClock)
    #: the environment git runs in (less what would point it at another repository)
    env: Mapping[str, str] = field(default_factory=child_environment, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _reported: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, notice: OpsNotice | None = None, clock: Clock | None = None
    ) -> RunbookSync | None:
        """The sync the settings describe; None when ``AIOPS_RUNBOOKS_GIT_URL`` is unset."""
        url = settings.aiops_runbooks_git_url
        if not url:
            return None
        cache = settings.aiops_runbooks_cache_dir or settings.aiops_db.parent / "runbooks-cache"
        return cls(
            url=url, ref=settings.aiops_runbooks_git_ref, cache=cache,
            folder=settings.aiops_runbooks_git_path, notice=notice or NullOps(),
            clock=clock or SystemClock(),
        )  # fmt: skip

    @property
    def source(self) -> str:
        where = f"{redact(self.url)}#{self.ref}"
        return f"{where}:{self.folder.strip('/')}" if self.folder.strip("/") else where

    @property
    def repo(self) -> Path:
        return self.cache / "repo.git"

    # ---- the sync
    def sync(self) -> SyncResult:
        """Fetch, validate, swap (or keep the previous version and report why)."""
        with self._lock:
            result = self._sync()
        if result.ok:
            self._reported = None
            log.info("%s", result.summary())
        else:
            log.warning("%s", result.summary())
            self._report(result)
        return result

    def _sync(self) -> SyncResult:
        before = self.live.current()
        try:
            mirror(self.url, self.repo, env=self.env)
            commit = resolve(self.repo, self.ref, env=self.env)
            if commit == before.commit:  # nothing new: nothing to read or validate
                return SyncResult(True, self.source, commit, commit, False, tuple(before.books))
            files = read_folder(self.repo, commit, self.folder, env=self.env)
        except GitError as exc:
            return SyncResult(False, self.source, None, before.commit, errors=(f"git: {exc}",))
        books, errors = validate_files(files, self.folder)
        if errors:
            return SyncResult(False, self.source, commit, before.commit, errors=tuple(errors))
        self._go_live(commit, books)
        return SyncResult(True, self.source, commit, commit, True, tuple(sorted(books)))

    def _go_live(self, commit: str, books: dict[str, Runbook]) -> None:
        at = self.clock.now().isoformat()
        self.live.swap(RunbookSet(dict(books), commit, self.source, at))
        marker = self.cache / "live"
        partial = marker.with_name("live.partial")
        partial.write_text(commit + "\n")
        os.replace(partial, marker)  # the last good commit, for a restart

    def restore(self) -> bool:
        """Bring back the last good version from the cache (start-up with the remote down)."""
        marker = self.cache / "live"
        if not marker.is_file() or not (self.repo / "HEAD").is_file():
            return False
        commit = marker.read_text().strip()
        with self._lock:
            try:
                files = read_folder(self.repo, commit, self.folder, env=self.env)
            except GitError as exc:
                log.warning("cannot restore runbooks at %s: %s", commit[:12], exc)
                return False
            books, errors = validate_files(files, self.folder)
            if errors:  # this install's actions changed since: the version is no longer good
                log.warning("cached runbooks at %s no longer validate: %s", commit[:12], errors[0])
                return False
            self._go_live(commit, books)
        log.info("restored runbooks %s @ %s from the cache", self.source, commit[:12])
        return True

    def start(self) -> SyncResult:
        """The start-up sync; when it fails, the last good cached version goes live."""
        result = self.sync()
        if not result.ok and self.live.current().commit is None and self.restore():
            current = self.live.current()
            names = tuple(sorted(current.books))
            return SyncResult(
                False, self.source, result.commit, current.commit, runbooks=names,
                errors=result.errors,
            )  # fmt: skip
        return result

    def _report(self, result: SyncResult) -> None:
        key = f"{result.commit}|{'|'.join(result.errors)}"
        if key == self._reported:
            return
        self._reported = key
        try:
            self.notice.notify(":warning: " + result.summary())
        except Exception:  # a notice must never break the sync
            log.exception("could not report the failed runbook sync")

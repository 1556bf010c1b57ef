"""Background jobs: work that must not hold up a caller (Slack gives a handler 3 s): a bounded
pool of worker threads. ``InlineJobs`` runs the same work at once (the CLI, tests).

Listeners ack first, then ``jobs.submit(name, fn, on_error=…)``. A domain error
(:class:`bot.errors.AiopsError`) is reported with its message; anything else is logged with an
error id and reported as "Something went wrong (error id …)" — never a stack trace.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

from bot import observability
from bot.errors import AiopsError, UpstreamUnavailable
from bot.workers import Workers

log = logging.getLogger("aiops.jobs")


def new_error_id() -> str:
    return uuid.uuid4().hex[:8]


def describe_error(exc: BaseException, *, where: str) -> str:
    """The message a user sees for ``exc``; unexpected ones are logged with their id."""
    if isinstance(exc, AiopsError):
        return f":warning: {exc}"
    error_id = new_error_id()
    log.error(
        "unexpected error in %s (error id %s)", where, error_id, exc_info=exc,
        extra={"error_id": error_id},
    )  # fmt: skip
    return f":x: Something went wrong (error id {error_id}). Quote this id to your admin."


class JobRunner:
    """A pool of worker threads (all started up front, see :mod:`bot.workers`) with a cap on
    queued work (``busy`` beyond it). ``submit`` starts no thread and takes no lock shared with
    other pools: a Slack listener calls it before its ack can leave."""

    def __init__(
        self,
        *,
        max_workers: int = 8,
        max_pending: int = 500,
        before_each: Callable[[], None] | None = None,
    ) -> None:
        """``before_each`` runs on the worker before each job starts: a gate that lets work with
        a deadline go first (the Slack front door holds jobs while acks are owed)."""
        self._pool = Workers(max_workers, name="aiops-job")
        self._before_each = before_each
        self._max_pending = max_pending
        self._idle = threading.Condition()  # the one lock submit takes (a job's end takes it too)
        self._running = 0  # queued or running

    def submit(self, name: str, fn: Callable[[], None], *, on_error: Callable[[str], None]) -> None:
        """Run ``fn`` on a worker; errors go to ``on_error(message)``. Raises
        :class:`UpstreamUnavailable` when too much work is already queued."""
        with self._idle:
            if self._running >= self._max_pending:
                raise UpstreamUnavailable("aiops is busy right now", hint="try again in a minute")
            self._running += 1
            observability.job_queue_depth(self._running)
        try:
            self._pool.submit(self._run, name, fn, on_error)
        except RuntimeError:  # shut down
            self._done()
            raise UpstreamUnavailable("aiops is shutting down") from None

    def _run(self, name: str, fn: Callable[[], None], on_error: Callable[[str], None]) -> None:
        try:
            if self._before_each is not None:
                self._before_each()
            fn()
        except Exception as exc:
            message = describe_error(exc, where=name)
            try:
                on_error(message)
            except Exception:
                log.exception("could not report an error of %s to Slack", name)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._running -= 1
            observability.job_queue_depth(self._running)
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def shutdown(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_pending=not wait)


class Jobs(Protocol):
    """What a flow needs to hand work off: ``JobRunner`` in the process, ``InlineJobs`` in the
    terminal (the CLI waits for the outcome anyway)."""

    def submit(
        self, name: str, fn: Callable[[], None], *, on_error: Callable[[str], None]
    ) -> None: ...


class InlineJobs:
    """Runs each job in the caller's thread, with ``JobRunner``'s error reporting: at once, or
    (``deferred``) when the caller says so with ``run_pending()`` — a terminal command prints
    what it decided first, then what running it did."""

    def __init__(self, *, deferred: bool = False) -> None:
        self.deferred = deferred
        self._pending: list[tuple[str, Callable[[], None], Callable[[str], None]]] = []

    def submit(self, name: str, fn: Callable[[], None], *, on_error: Callable[[str], None]) -> None:
        if self.deferred:
            self._pending.append((name, fn, on_error))
        else:
            self._run(name, fn, on_error)

    def run_pending(self) -> None:
        while self._pending:
            self._run(*self._pending.pop(0))

    @staticmethod
    def _run(name: str, fn: Callable[[], None], on_error: Callable[[str], None]) -> None:
        try:
            fn()
        except Exception as exc:
            on_error(describe_error(exc, where=name))

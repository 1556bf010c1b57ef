"""Worker threads that are all running before the first piece of work, fed through one queue.

``Workers(4, name="slack-event").submit(fn, *args)`` runs ``fn(*args)`` on one of four threads;
``shutdown()`` lets them finish what is queued and stop.

Why not ``concurrent.futures.ThreadPoolExecutor``: it starts its threads lazily, inside
``submit``, while holding a lock shared by every executor of the process, and waits there until
the new thread has started running. When many threads wait for the interpreter lock, that start
takes tens of milliseconds, and every other ``submit`` in the process (a socket's receive loop
handing an envelope on, a Slack listener handing its job on before its ack can leave) queues
behind it. Here the threads exist before any work, and ``submit`` is one put on a
``queue.SimpleQueue`` (done in C, with no lock another thread can be holding).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger("aiops.workers")

Item = tuple[Callable[..., Any], tuple[Any, ...]]
_LIVE: weakref.WeakSet[Workers] = weakref.WeakSet()


@atexit.register
def _finish_at_exit() -> None:
    """The threads are daemons (a pool nobody shut down must not hold the process open), so
    at exit each pool finishes what it holds first, as ``ThreadPoolExecutor``'s workers do:
    a job cut off half-way (a remediation) is worse than a slower exit."""
    for workers in list(_LIVE):
        workers.shutdown()


class Workers:
    """``count`` threads named ``{name}-{n}``, started at once; exceptions are logged."""

    def __init__(self, count: int, *, name: str) -> None:
        if count < 1:
            raise ValueError(f"workers need at least one thread, not {count}")
        self.name = name
        self._queue: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self._threads:
            thread.start()
        _LIVE.add(self)

    @property
    def count(self) -> int:
        return len(self._threads)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        """Queue ``fn(*args)``; never blocks. RuntimeError once shut down."""
        if self._closed:
            raise RuntimeError(f"{self.name} workers are shut down")
        self._queue.put((fn, args))

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, args = item
            try:
                fn(*args)
            except Exception:
                log.exception("%s: %s failed", self.name, getattr(fn, "__name__", fn))

    def shutdown(self, wait: bool = True, *, cancel_pending: bool = False) -> None:
        """Stop taking work; the threads end after what is queued (dropped first when
        ``cancel_pending``). ``wait`` joins them."""
        self._closed = True
        _LIVE.discard(self)
        if cancel_pending:
            try:
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
        for _ in self._threads:
            self._queue.put(None)
        if wait:
            current = threading.current_thread()
            for thread in self._threads:
                if thread is not current:
                    thread.join()

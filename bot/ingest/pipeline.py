"""One writer thread that drains a queue of alert batches into the grouping transaction
(``group_alerts``, group commit).

Webhook handlers ``submit`` parsed alerts and wait for the outcome (stored AND correlated before
the HTTP answer). Concurrent deliveries are folded into one transaction of up to ``max_batch``
alerts: SQLite has one writer anyway, and a burst of alerts becomes one thread reply per incident.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Protocol

from bot import observability
from bot.errors import UpstreamUnavailable
from bot.ingest.models import AlertIn, Outcome

log = logging.getLogger(__name__)

_Item = tuple[Sequence[AlertIn], "Future[list[Outcome]]"]


class AlertWriter(Protocol):
    """Where batches go: ``bot.incidents.flows.IncidentFlows`` (ingest does not import it)."""

    def group_alerts(self, alerts: Sequence[AlertIn]) -> list[Outcome]: ...

    def rebuild(self) -> None: ...


class IngestPipeline:
    def __init__(self, flows: AlertWriter, *, max_batch: int = 500, timeout: float = 30.0):
        self.flows = flows
        self.max_batch = max_batch
        self.timeout = timeout
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # transactions run (for /metrics and the benchmark)
        self.alerts = 0
        self.cpu_seconds = 0.0  # writer CPU time spent in ingest

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=10)

    def submit(self, alerts: Sequence[AlertIn]) -> list[Outcome]:
        """Queue alerts and wait until they are stored and correlated."""
        if not alerts:
            return []
        fut = self._enqueue(alerts)
        try:
            outcomes = fut.result(timeout=self.timeout)
            observability.alerts_received((a.source, a.status) for a in alerts)
            return outcomes
        except TimeoutError:
            raise UpstreamUnavailable("alert store is too slow to answer") from None

    async def submit_async(self, alerts: Sequence[AlertIn]) -> list[Outcome]:
        """``submit`` for an event loop: awaits the writer without holding a worker thread."""
        if not alerts:
            return []
        fut = asyncio.wrap_future(self._enqueue(alerts))
        try:  # shield: a timeout answers the client but the batch is still written, as in submit
            outcomes = await asyncio.wait_for(asyncio.shield(fut), self.timeout)
        except TimeoutError:
            raise UpstreamUnavailable("alert store is too slow to answer") from None
        observability.alerts_received((a.source, a.status) for a in alerts)
        return outcomes

    def _enqueue(self, alerts: Sequence[AlertIn]) -> Future[list[Outcome]]:
        self.start()
        fut: Future[list[Outcome]] = Future()
        self._queue.put((alerts, fut))
        return fut

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            size = len(item[0])
            while size < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
                size += len(nxt[0])
            started = time.thread_time()
            self._process(batch)
            self.batches += 1
            self.alerts += size
            self.cpu_seconds += time.thread_time() - started

    def _process(self, batch: list[_Item]) -> None:
        alerts = [a for items, _ in batch for a in items]
        try:
            outcomes = self.flows.group_alerts(alerts)
        except Exception as exc:
            self.flows.rebuild()  # the transaction rolled back: memory follows the database
            if len(batch) > 1:  # isolate the bad delivery: retry one by one
                for item in batch:
                    self._process([item])
                return
            log.exception("ingest failed")
            batch[0][1].set_exception(exc)
            return
        start = 0
        for items, fut in batch:
            fut.set_result(outcomes[start : start + len(items)])
            start += len(items)

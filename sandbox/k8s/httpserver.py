"""Run an ASGI app with uvicorn on a background thread, bound to 127.0.0.1 on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any, Self

import uvicorn


class _Server(uvicorn.Server):
    """uvicorn that stops at once when asked (no 0.1 s polling, no grace period).

    The sandbox's handlers answer immediately, so there is nothing to drain on shutdown.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000  # on_tick refreshes the Date header every 10
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=1.0)
            except TimeoutError:
                continue

    def request_stop(self) -> None:
        self.should_exit = True
        if self.loop is not None and self._stop is not None and not self.loop.is_closed():
            # RuntimeError: the loop closed meanwhile, so the server is already down
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stop.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        for task in list(self.server_state.tasks):
            task.cancel()


class ThreadedServer:
    """A uvicorn server on its own thread; ``url`` is known once ``start()`` returns."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Without this, keep-alive requests wait ~40 ms on delayed ACKs.
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=self._run, name=f"sandbox-http-{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self, timeout: float = 5.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox HTTP server on {self.url} did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        self._server.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()


class ServedSandbox:
    """Base of the sandbox servers (Kubernetes API, Loki, Prometheus): one ``ThreadedServer``,
    its ``url``, ``start()`` returning the sandbox, ``stop()``, and use as a context manager."""

    def __init__(self, app: Any) -> None:
        self._server = ThreadedServer(app)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

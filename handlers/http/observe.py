"""``/metrics`` (Prometheus), ``/readyz`` (database reachable, schema current) and a request id
on every request (``X-Request-Id`` in, or a new one; echoed back; bound to the log lines).

``add_observability(app, services)`` is the one call ``create_http_app`` makes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from bot import observability
from bot.logs import log_context, new_request_id
from bot.observability.store_stats import watch_store

log = logging.getLogger("aiops.http")

_OWN_PATHS = {"/healthz", "/readyz", "/metrics"}


def path_family(path: str, status: int) -> str:
    """A bounded label for a request path (unknown paths are ``other``)."""
    if status == 404:
        return "other"
    if path in _OWN_PATHS:
        return path
    if path.startswith("/webhooks/"):
        return "/".join(path.split("/")[:4])
    return "other"


class RequestIds:
    """Pure ASGI middleware (no per-request task like ``BaseHTTPMiddleware``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        rid = given if given.isprintable() and given else new_request_id()
        status = {"code": 500}

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        with log_context(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                code = status["code"]
                observability.http_request(path_family(scope.get("path", ""), code), code)


class _Readiness:
    def __init__(self, services: Any) -> None:
        self.services = services
        self._head: str | None = None
        self._lock = threading.Lock()

    def head(self) -> str | None:
        with self._lock:
            if self._head is None:
                from bot.store.migrate import head_revision

                self._head = head_revision()
            return self._head

    def check(self) -> tuple[bool, dict[str, str]]:
        from bot.store.health import readiness

        return readiness(self.services.flows.db, self.head)


def add_observability(app: FastAPI, services: Any) -> None:
    import bot.learn.metrics  # noqa: F401  (registers the learning gauges on the same store)

    watch_store(services.flows.db, services.clock)
    readiness = _Readiness(services)
    app.add_middleware(RequestIds)

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = observability.render()
        return Response(content=body, media_type=content_type)

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        ready, checks = readiness.check()
        if not ready:
            log.warning("not ready: %s", checks)
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

"""``create_http_app(services)``: the webhook server, one FastAPI app with one router per family.

Every bad input becomes a 4xx JSON ``{"error": reason}`` and one log line; nothing is stored
before the whole delivery is parsed and authenticated. Alert webhooks await the ingest writer's
future on the event loop (``IngestPipeline.submit_async``), so concurrent deliveries fold into
one write batch without holding a thread each; handlers that touch the database themselves run
in the thread pool. The routers get their services from ``handlers.http.deps`` (never from this
module), so the app imports them and not the other way round.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.errors import AiopsError
from handlers.http import alerts, changes, runbooks, sns
from handlers.http.deps import HttpServices
from handlers.http.observe import add_observability

log = logging.getLogger("aiops.http")


def create_http_app(services: HttpServices) -> FastAPI:
    app = FastAPI(title="aiops webhooks", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services

    @app.exception_handler(AiopsError)
    async def _domain_error(request: Request, exc: AiopsError) -> JSONResponse:
        status = exc.http_status if 400 <= exc.http_status < 600 else 400
        log.warning("webhook %s rejected (%d): %s", request.url.path, status, exc)
        return JSONResponse({"error": str(exc)}, status_code=status)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": "no such endpoint"}, status_code=404)

    @app.exception_handler(405)
    async def _bad_method(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": "method not allowed"}, status_code=405)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "open_incidents": services.flows.open_count}

    add_observability(app, services)
    app.include_router(alerts.router)
    app.include_router(sns.router)
    app.include_router(changes.router)
    app.include_router(runbooks.router)
    return app

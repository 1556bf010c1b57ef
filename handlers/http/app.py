"""``create_http_app(services)``: the webhook server, one FastAPI app with one router per family.

Every bad input becomes a 4xx JSON ``{"error": reason}`` and one log line; nothing is stored
before the whole delivery is parsed and authenticated. Alert webhooks await the ingest writer's
future on the event loop (``IngestPipeline.submit_async``), so concurrent deliveries fold into
one write batch without holding a thread each; handlers that touch the database themselves run
in the thread pool.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.clock import Clock
from bot.config import Settings
from bot.errors import AiopsError
from bot.incidents.flows import IncidentFlows
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sns import SnsVerifier

log = logging.getLogger("aiops.http")


@dataclass
class HttpServices:
    settings: Settings
    flows: IncidentFlows
    pipeline: IngestPipeline
    sns: SnsVerifier
    clock: Clock
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def webhook_token(self) -> str | None:
        token = self.settings.aiops_webhook_token
        return token.get_secret_value() if token else None

    @property
    def pagerduty_secrets(self) -> list[str]:
        return [s.get_secret_value() for s in self.settings.pagerduty_webhook_secrets]

    @property
    def github_secret(self) -> str | None:
        secret = self.settings.github_webhook_secret
        return secret.get_secret_value() if secret else None


def create_http_app(services: HttpServices) -> FastAPI:
    from handlers.http import alerts, changes, sns
    from handlers.http.observe import add_observability

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
    return app


def services_of(request: Request) -> HttpServices:
    return request.app.state.services  # type: ignore[no-any-return]

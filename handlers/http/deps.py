"""What the HTTP routers need: ``HttpServices`` (held on ``app.state``), ``services_of`` and
``bearer_json`` (a bearer-signed webhook's services and body).

The routers import this module, not ``handlers.http.app``, so the app can import the routers
without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from bot.clock import Clock
from bot.config import Settings
from bot.incidents.flows import IncidentFlows
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.signatures import check_bearer
from bot.ingest.sns import SnsVerifier
from handlers.http.body import parse_json, read_body


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


def services_of(request: Request) -> HttpServices:
    return request.app.state.services  # type: ignore[no-any-return]


async def bearer_json(request: Request) -> tuple[HttpServices, Any]:
    """A webhook signed with the bearer token: the services and its JSON body, the token
    checked before the body is read."""
    svc = services_of(request)
    check_bearer(request.headers.get("authorization"), svc.webhook_token)
    return svc, parse_json(await read_body(request))

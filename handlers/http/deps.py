"""What the HTTP routers need: ``HttpServices`` (held on ``app.state``) and ``services_of``.

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
from bot.ingest.sns import SnsVerifier


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

"""The one place the log store is built from the settings (``LOKI_URL``): where pod and file
logs were shipped, which an investigation reads when the pod is gone (or there is no cluster
to ask). None without it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from integrations.logs import LogRouter

LOKI_TIMEOUT_S = 10.0


def log_router(settings: Settings) -> LogRouter | None:
    """A ``LogRouter`` whose ``loki`` (and ``file``) backend reads ``settings.loki_url``, or
    None when no Loki is configured."""
    if not settings.loki_url:
        return None
    import httpx

    from integrations.logs import LogRouter, LokiLogs

    http = httpx.Client(base_url=settings.loki_url, timeout=LOKI_TIMEOUT_S)
    return LogRouter(loki=LokiLogs(http))

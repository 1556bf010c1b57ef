"""Plain HTTPS GETs for SNS: the signing certificate and the subscription confirmation URL."""

from __future__ import annotations

import httpx


def fetch_url(url: str, *, timeout: float = 5.0) -> bytes:
    """GET ``url`` and return the body; any HTTP error raises ``httpx.HTTPError``."""
    response = httpx.get(url, timeout=timeout, follow_redirects=False)
    response.raise_for_status()
    return response.content

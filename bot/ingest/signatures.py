"""Webhook authentication: bearer tokens, HMAC signatures (PagerDuty v3, GitHub), freshness."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.ingest.models import Unauthorized

MAX_AGE = timedelta(minutes=5)


def check_bearer(header: str | None, token: str | None) -> None:
    if not token:
        raise Unauthorized("webhook token not configured (set AIOPS_WEBHOOK_TOKEN)")
    if not header or not header.lower().startswith("bearer "):
        raise Unauthorized("missing bearer token")
    if not hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        raise Unauthorized("wrong bearer token")


def pagerduty_signature(body: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_pagerduty(header: str | None, body: bytes, secrets: Sequence[str]) -> None:
    """``X-PagerDuty-Signature: v1=<hex>,v1=<hex>``: any listed signature made with any of the
    configured secrets passes (both sides may hold two secrets during a rotation)."""
    if not secrets:
        raise Unauthorized("PagerDuty webhook secret not configured")
    if not header:
        raise Unauthorized("missing X-PagerDuty-Signature")
    offered = [s.strip() for s in header.split(",") if s.strip().startswith("v1=")]
    if not offered:
        raise Unauthorized("no v1 signature in X-PagerDuty-Signature")
    for secret in secrets:
        expected = pagerduty_signature(body, secret)
        if any(hmac.compare_digest(expected, s) for s in offered):
            return
    raise Unauthorized("bad PagerDuty signature")


def github_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_github(header: str | None, body: bytes, secret: str | None) -> None:
    if not secret:
        raise Unauthorized("GitHub webhook secret not configured")
    if not header:
        raise Unauthorized("missing X-Hub-Signature-256")
    if not hmac.compare_digest(github_signature(body, secret), header.strip()):
        raise Unauthorized("bad GitHub signature")


def check_fresh(at: datetime | None, now: datetime, what: str) -> None:
    """A signed timestamp more than 5 minutes away from now is a replay (or a broken clock)."""
    if at is None:
        raise Unauthorized(f"{what}: missing timestamp")
    if abs(now - at) > MAX_AGE:
        raise Unauthorized(f"{what}: timestamp {at.isoformat()} is more than 5 minutes from now")

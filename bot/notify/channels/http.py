"""HTTP channels: Microsoft Teams incoming webhook (an Adaptive Card) and a generic signed webhook.

The generic webhook body is JSON; ``X-Aiops-Signature: sha256=<hex>`` is HMAC-SHA256 over
``<X-Aiops-Timestamp>.<body>`` with the shared secret (so a replayed old body is detectable), and
``Idempotency-Key`` carries the notification's dedup key so the receiver can drop a redelivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from bot.notify.models import Message, SendError, Target

_COLORS = {"critical": "attention", "warning": "warning", "info": "accent"}


def _post(client: httpx.Client, url: str, what: str, **kwargs: Any) -> None:
    if not url.startswith(("http://", "https://")):
        raise SendError(f"{what}: not an http(s) URL", transient=False)
    try:
        response = client.post(url, **kwargs)
    except httpx.HTTPError as exc:
        raise SendError(f"{what} unreachable ({exc.__class__.__name__})", transient=True) from None
    status = response.status_code
    if status < 300:
        return
    transient = status == 429 or status >= 500
    raise SendError(f"{what} answered HTTP {status}", transient=transient)


def teams_card(message: Message) -> dict[str, Any]:
    """The Teams incoming-webhook body: one Adaptive Card."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "color": _COLORS.get(message.severity, "default"),
            "wrap": True,
        },
        {"type": "TextBlock", "text": message.text, "wrap": True},
    ]
    if message.fields:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": k, "value": v} for k, v in message.fields.items()],
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": message.link}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


class TeamsChannel:
    def __init__(self, client: httpx.Client, default_url: str | None = None) -> None:
        self.client = client
        self.default_url = default_url

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        url = target.ref or self.default_url or ""
        _post(self.client, url, "Teams webhook", json=teams_card(message))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float, tolerance: float = 300
) -> bool:
    """Receiver side: the signature matches and the timestamp is recent."""
    try:
        fresh = abs(now - float(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def webhook_body(message: Message, dedup_key: str) -> dict[str, Any]:
    return {
        "id": dedup_key,
        "event": message.event.value,
        "incident_id": message.incident_id,
        "severity": message.severity,
        "title": message.title,
        "text": message.text,
        "fields": message.fields,
        "link": message.link,
    }


class WebhookChannel:
    def __init__(
        self, client: httpx.Client, *, secret: str | None, default_url: str | None = None
    ) -> None:
        self.client = client
        self.secret = secret
        self.default_url = default_url

    def send(self, target: Target, message: Message, dedup_key: str) -> None:
        url = target.ref or self.default_url or ""
        body = json.dumps(webhook_body(message, dedup_key), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": dedup_key}
        if self.secret:
            timestamp = str(int(time.time()))
            headers["X-Aiops-Timestamp"] = timestamp
            headers["X-Aiops-Signature"] = sign(self.secret, timestamp, body)
        _post(self.client, url, "webhook", content=body, headers=headers)

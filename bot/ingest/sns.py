"""SNS HTTP(S) deliveries: the envelope, its signature, and subscription confirmation.

The signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) covers a canonical string of
the envelope's fields; the public key is in the X.509 certificate at ``SigningCertURL``, which is
only fetched from an allowed host (``sns.<region>.amazonaws.com`` over https in production; the
pattern and the https requirement are settings so the sandbox can serve its own certificate on
loopback). Certificates are cached by URL.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.ingest.models import BadPayload, Unauthorized, parse_time, require

DEFAULT_HOST_PATTERN = r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"
_NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")

Fetch = Callable[[str], bytes]


@dataclass(frozen=True)
class SnsEnvelope:
    type: str
    message_id: str
    topic_arn: str
    message: str
    timestamp: datetime | None
    subscribe_url: str | None
    raw: dict[str, Any]


def parse_envelope(body: Any) -> SnsEnvelope:
    """The envelope's fields, checked cheapest first (type, then presence); nothing inside
    ``Message`` is read here: that waits until the signature is verified."""
    if not isinstance(body, dict):
        raise BadPayload("expected a JSON object (an SNS envelope)")
    kind = require(body, "Type", "")
    if kind not in TYPES:
        raise BadPayload(f"unsupported SNS message type {kind[:40]!r}")
    for key in ("MessageId", "TopicArn", "Message", "Timestamp", "Signature", "SigningCertURL"):
        require(body, key, "")
    version = require(body, "SignatureVersion", "")
    if version not in ("1", "2"):
        raise BadPayload(f"unsupported SNS SignatureVersion {version[:10]!r}")
    if kind != "Notification":
        require(body, "SubscribeURL", "")
        require(body, "Token", "")
    return SnsEnvelope(
        type=kind,
        message_id=body["MessageId"],
        topic_arn=body["TopicArn"],
        message=body["Message"],
        timestamp=parse_time(body["Timestamp"], "Timestamp"),
        subscribe_url=body.get("SubscribeURL"),
        raw=body,
    )


def string_to_sign(body: dict[str, Any]) -> bytes:
    keys = _NOTIFICATION_KEYS if body.get("Type") == "Notification" else _SUBSCRIPTION_KEYS
    parts = []
    for key in keys:
        if key in body and body[key] is not None:
            parts.append(f"{key}\n{body[key]}\n")
    return "".join(parts).encode()


def check_url(url: str, host_pattern: str, require_https: bool, what: str) -> None:
    parts = urlsplit(url)
    if require_https and parts.scheme != "https":
        raise Unauthorized(f"{what} must be https")
    if parts.scheme not in ("https", "http"):
        raise Unauthorized(f"{what} has an unsupported scheme")
    if not parts.hostname or not re.match(host_pattern, parts.hostname):
        raise Unauthorized(f"{what} host {parts.hostname!r} is not an allowed SNS host")


class SnsVerifier:
    """Verifies envelopes; ``fetch`` gets a URL's bytes (injected: real HTTP or a test server)."""

    def __init__(
        self, fetch: Fetch, *, host_pattern: str = DEFAULT_HOST_PATTERN, require_https: bool = True
    ) -> None:
        self._fetch = fetch
        self.host_pattern = host_pattern
        self.require_https = require_https
        self._certs: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def _public_key(self, url: str) -> rsa.RSAPublicKey:
        with self._lock:
            cached = self._certs.get(url)
        if cached is not None:
            return cached
        check_url(url, self.host_pattern, self.require_https, "SigningCertURL")
        try:
            pem = self._fetch(url)
            cert = x509.load_pem_x509_certificate(pem)
        except Exception as exc:  # network or parse failure: the delivery cannot be trusted
            reason = type(exc).__name__
            raise Unauthorized(f"cannot load the SNS signing certificate ({reason})") from None
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise Unauthorized("SNS signing certificate is not RSA")
        with self._lock:
            self._certs[url] = key
        return key

    def check_origin(self, env: SnsEnvelope) -> None:
        """The cheap half of ``verify``: the certificate comes from an allowed SNS host. Run
        before anything is fetched or any signature arithmetic is done."""
        check_url(
            env.raw["SigningCertURL"], self.host_pattern, self.require_https, "SigningCertURL"
        )

    def verify(self, env: SnsEnvelope) -> None:
        self.check_origin(env)
        body = env.raw
        try:
            signature = base64.b64decode(body["Signature"], validate=True)
        except (ValueError, TypeError):
            raise Unauthorized("SNS Signature is not base64") from None
        algo = hashes.SHA1() if body["SignatureVersion"] == "1" else hashes.SHA256()
        key = self._public_key(body["SigningCertURL"])
        try:
            key.verify(signature, string_to_sign(body), padding.PKCS1v15(), algo)
        except InvalidSignature:
            raise Unauthorized("bad SNS signature") from None

    def confirm(self, env: SnsEnvelope) -> None:
        """Confirm a subscription by GETting its SubscribeURL (allowed hosts only)."""
        assert env.subscribe_url is not None
        check_url(env.subscribe_url, self.host_pattern, self.require_https, "SubscribeURL")
        self._fetch(env.subscribe_url)

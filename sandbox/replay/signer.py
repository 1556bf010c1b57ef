"""The sandbox's own SNS signing identity: an RSA key, a self-signed certificate served on
loopback, and envelope signing (SignatureVersion 1 or 2), exactly as SNS does it."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from bot.ingest.sns import string_to_sign


def make_cert(common_name: str = "sns.sandbox.local") -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


class SnsSigner:
    """Serves ``/cert.pem`` (and counts GETs of ``/confirm``) on 127.0.0.1; signs envelopes."""

    def __init__(self) -> None:
        self.key, self.pem = make_cert()
        self.confirmations = 0
        signer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                if self.path.startswith("/confirm"):
                    signer.confirmations += 1
                    body = b"<ConfirmSubscriptionResponse/>"
                elif self.path == "/cert.pem":
                    body = signer.pem
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def cert_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cert.pem"

    def subscribe_url(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}/confirm?Token={token}"

    def sign(self, envelope: dict[str, Any], version: str = "2") -> dict[str, Any]:
        body = {**envelope, "SignatureVersion": version, "SigningCertURL": self.cert_url}
        algo = hashes.SHA1() if version == "1" else hashes.SHA256()
        sig = self.key.sign(string_to_sign(body), padding.PKCS1v15(), algo)
        body["Signature"] = base64.b64encode(sig).decode()
        return body

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

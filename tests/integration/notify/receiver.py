"""A tiny HTTP endpoint on 127.0.0.1 that records what it is sent (Teams, webhooks, PD hooks).

``script`` answers the next requests with given statuses (e.g. ``[503, 429]``) before 200s.
``on_request`` lets a test react to a delivery (e.g. call a hook like the real handler would).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, on_request: Callable[[Received], int | None] | None = None) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self.on_request = on_request
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got = Received(self.path, {k: v for k, v in self.headers.items()}, body)
                with receiver._lock:
                    status = receiver.script.pop(0) if receiver.script else None
                    if status is None:
                        receiver.received.append(got)
                if status is None:
                    status = (receiver.on_request(got) if receiver.on_request else None) or 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

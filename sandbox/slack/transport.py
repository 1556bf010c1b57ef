"""Transport of the local Slack server: Web API over HTTP, Socket Mode over a websocket, one
loopback port. The Python API that tests and the demo use is ``LocalSlack`` in ``server.py``.

Runs in a background thread (Starlette on uvicorn), for tests and for the terminal demo::

    with LocalSlack() as slack:
        app = build_app(settings_with(slack_api_url=slack.api_url))
        ...
        envelope = slack.send_slash_command("U1", 'investigate "latency"')
        slack.wait_ack(envelope)

Everything the app does is recorded; see :class:`~sandbox.slack.records.SlackState`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from sandbox.slack.limits import MAX_SOCKET_CONNECTIONS
from sandbox.slack.payloads import (
    PayloadBuilder,
    apply_response_url,
    apply_view_ack,
    apply_visible_reply,
)
from sandbox.slack.records import (
    AckRecord,
    Channel,
    JsonDict,
    SlackState,
    User,
)
from sandbox.slack.webapi import WebApi

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Link:
    """One socket-mode connection of the app, numbered from 1 in the order they opened."""

    number: int
    ws: WebSocket


class SlackTransport:
    """Serves HTTP + websocket in a background thread and delivers envelopes."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        channels: tuple[str, ...] = ("general", "incidents"),
        team_id: str = "T0SANDBOX",
        bot_user_id: str = "U0AIOPSBOT",
        bot_id: str = "B0AIOPSBOT",
        app_id: str = "A0AIOPSAPP",
    ) -> None:
        self.state = SlackState(
            team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, app_id=app_id
        )
        self.state.users[bot_user_id] = User(
            bot_user_id, "aiops", "aiops", "aiops@bots.invalid", is_bot=True
        )
        for name in channels:
            channel = Channel(self.state.new_id("C"), name.lstrip("#"))
            self.state.channels[channel.id] = channel
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.api = WebApi(self.state, lambda: self.base_url)
        self.payloads = PayloadBuilder(self.state, self.base_url)
        self._connections: list[Link] = []
        self._link_numbers = itertools.count(1)
        self._envelopes: dict[str, tuple[str, JsonDict]] = {}  # awaiting their ack
        self._delivered: dict[str, tuple[str, JsonDict, dict[str, Any]]] = {}  # for redelivery
        self._round_robin = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``WebClient(base_url=…)`` / ``SLACK_API_URL`` should be."""
        return f"{self.base_url}/api/"

    def start(self, timeout: float = 10.0) -> SlackTransport:
        config = uvicorn.Config(
            self._asgi(),
            log_level="warning",
            http="h11",
            ws="websockets-sansio",
            loop="asyncio",
            lifespan="off",
            ws_ping_interval=None,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        ready = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            ready.set()
            assert self._server is not None
            await self._server.serve(sockets=[self._sock])

        self._thread = threading.Thread(
            target=lambda: asyncio.run(serve()), name="local-slack", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not (ready.is_set() and self._server.started):
            if time.monotonic() > deadline:
                raise TimeoutError("local Slack server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        for link in list(self._connections):
            try:
                self._run(link.ws.close(code=1001))
            except Exception:  # the app already went away
                log.debug("local Slack: connection %s was already closed", link.number)
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._sock.close()

    def __enter__(self) -> SlackTransport:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, coro: Any, timeout: float = 5.0) -> Any:
        if self._loop is None:
            raise RuntimeError("local Slack server is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ------------------------------------------------------------------ HTTP + websocket
    def _asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/{method}", self._http_api, methods=["GET", "POST"]),
                Route("/upload/{file_id}", self._http_upload, methods=["POST"]),
                Route("/response/{response_id}", self._http_response, methods=["POST"]),
                WebSocketRoute("/link", self._ws_link),
                WebSocketRoute("/link/", self._ws_link),
            ]
        )

    async def _http_api(self, request: Request) -> Response:
        params: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        ctype = request.headers.get("content-type", "")
        if body:
            if ctype.startswith("application/json"):
                try:
                    decoded = json.loads(body)
                except json.JSONDecodeError:
                    return JSONResponse({"ok": False, "error": "invalid_json"})
                if not isinstance(decoded, dict):
                    return JSONResponse({"ok": False, "error": "invalid_json"})
                params.update(decoded)
            else:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        return JSONResponse(self.api.call(request.path_params["method"], token, params))

    async def _http_upload(self, request: Request) -> Response:
        data = await request.body()
        with self.state.lock:
            file = self.state.files.get(request.path_params["file_id"])
            if file is None:
                return PlainTextResponse("file not found", status_code=404)
            file.data = data
            self.state.changed()
        return PlainTextResponse(f"OK - {len(data)}")

    async def _http_response(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return PlainTextResponse("invalid_payload", status_code=400)
        if not apply_response_url(self.state, request.path_params["response_id"], body):
            return PlainTextResponse("expired_url", status_code=404)
        return JSONResponse({"ok": True})

    async def _ws_link(self, ws: WebSocket) -> None:
        ticket = ws.query_params.get("ticket", "")
        with self.state.lock:
            issued = ticket in self.state.tickets
            self.state.tickets.discard(ticket)  # a URL from apps.connections.open opens once
        if not issued:
            await ws.close(code=1008)
            return
        await ws.accept()
        with self.state.lock:
            link = None
            if len(self._connections) < MAX_SOCKET_CONNECTIONS:
                link = Link(next(self._link_numbers), ws)
                self._connections.append(link)
            count = len(self._connections)
        if link is None:  # what Slack tells an app that opens an 11th connection
            refusal = {"type": "disconnect", "reason": "too_many_websockets"}
            await ws.send_text(json.dumps(refusal))
            await ws.close(code=1008)
            return
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "local-slack", "approximate_connection_time": 3600},
            "connection_info": {"app_id": self.state.app_id},
        }
        await ws.send_text(json.dumps(hello))
        self.state.changed()
        try:
            while True:
                self._on_socket_message(await ws.receive_text(), link.number)
        except WebSocketDisconnect:
            pass
        finally:
            with self.state.lock:
                if link in self._connections:
                    self._connections.remove(link)
                self.state.changed()

    def _on_socket_message(self, raw: str, connection: int) -> None:
        acked_at = time.perf_counter()
        try:
            message = json.loads(raw)
        except json.JSONDecodeError:
            log.warning("local Slack: non-JSON socket message %r", raw[:200])
            return
        envelope_id = message.get("envelope_id")
        with self.state.lock:
            record = self.state.acks.get(str(envelope_id))
            if record is None or record.acked_at is not None:
                self.state.unacked_log.append(raw)
                return
            record.acked_at = acked_at
            record.acked_on = connection
            record.payload = message.get("payload")
            record.done.set()
            kind, payload = self._envelopes.pop(record.envelope_id, ("", {}))
            if kind == "slash_commands" and record.payload:
                apply_visible_reply(
                    self.state,
                    user=payload["user_id"],
                    channel=payload["channel_id"],
                    body=record.payload,
                    source="ack",
                )
            elif kind == "view_submission":
                apply_view_ack(self.state, payload["view"]["id"], record.payload)
            self.state.changed()

    # ------------------------------------------------------------------ sending envelopes
    @property
    def connection_count(self) -> int:
        with self.state.lock:
            return len(self._connections)

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        self.wait_for(lambda: self.connection_count >= count, timeout)

    def _send(self, kind: str, payload: JsonDict, *, avoid: int | None = None, **extra: Any) -> str:
        """Deliver an envelope on the next connection in turn (not on ``avoid`` when another
        is open), as Slack spreads them over an app's connections."""
        self.wait_connected(timeout=5.0)
        with self.state.lock:
            links = [c for c in self._connections if c.number != avoid] or self._connections
            link = links[next(self._round_robin) % len(links)]
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind == "slash_commands"
            or payload.get("type") == "view_submission",
            "payload": payload,
            **extra,
        }
        data = json.dumps(envelope)
        with self.state.lock:
            sub = payload.get("type") if kind == "interactive" else kind
            self._envelopes[envelope_id] = (str(sub), payload)
            self._delivered[envelope_id] = (kind, payload, extra)
            record = AckRecord(envelope_id, kind, time.perf_counter(), connection=link.number)
            self.state.acks[envelope_id] = record
        self._run(link.ws.send_text(data))
        return envelope_id

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Block until ``predicate()`` is truthy (re-checked on every change); return it."""
        return self.state.wait_for(predicate, timeout)

"""The app's socket-mode connections, with the shortest ack path the protocol allows.

sockets = start_socket_mode(app, token, connections=settings.aiops_slack_connections)
...                      # the caller keeps running (HTTP server, scheduler)
sockets.close()

Slack spreads envelopes over up to 10 socket-mode connections of an app; each connection here has
its own receive loop and workers, so one busy or refreshing connection does not hold the others.

What an envelope goes through before its ack leaves:

- slack_sdk's client hands every envelope across three threads: the receive loop queues it, a
  processor thread takes it off the queue and submits it to a worker, the worker runs the app
  and sends the ack. Here the receive loop submits it to the worker itself (one hand-off less:
  each hand-off waits for the interpreter lock while other threads hold it);
- the workers (each connection's, and the events pool) are :class:`bot.workers.Workers`: all
  running before the first envelope, so handing one on is a queue put. slack_sdk's pool
  (a ``ThreadPoolExecutor``) starts a thread inside ``submit`` while holding a lock that every
  executor of the process shares, and waits for it to run: traced in the benchmark, receive
  loops sat behind such starts for tens of milliseconds while acks were owed;
- an Events API envelope is acked by the receive loop on arrival (its ack carries nothing), and
  its listener runs afterwards in a small pool of its own, so the listener's receipt (a database
  write) is never on any ack path and never holds a connection's workers;
- a command or a click goes through Bolt, whose listener acks (the ack may carry a reply) before
  any database work; the receipt is written in the job.
"""

from __future__ import annotations

import gc
import json
import logging
import random
import socket
import struct
import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import observability
from bot.errors import ConfigError
from bot.workers import Workers
from handlers.slack.observe import request_kind

log = logging.getLogger("aiops.slack")

MAX_CONNECTIONS = 10  # Slack's limit per app; an 11th connection is told too_many_websockets


def settle_heap() -> None:
    """Take what start-up built out of the garbage collector's full passes (``aiops run`` calls
    it once, before the connections open).

    The modules, settings, Bolt app, pools and clients built at start live as long as the
    process, yet each full collection walks them all again while every thread stops: traced in
    the benchmark, 0.24-0.46 s for the app's heap on a loaded 2-CPU machine, landing on every
    ack owed at that moment. ``gc.freeze()`` moves them to a generation no collection visits
    (after one collection, so no garbage is kept).
    """
    gc.collect()
    gc.freeze()


class AcksOwed:
    """The envelopes received and not yet acked, for work that can wait to give way to them.

    Acks have a deadline (Slack gives up after 3 s) and jobs do not, but both run on one
    interpreter lock: a job that starts while acks are owed slows every one of them down.
    ``give_way()`` (a job's ``before_each``, an event listener's start) waits until none is
    owed, at most ``max_wait`` seconds, so background work never stops for long under a
    steady stream of envelopes.
    """

    def __init__(self, max_wait: float = 0.05) -> None:
        self.max_wait = max_wait
        self._owed = 0
        self._none_owed = threading.Condition()

    def arrived(self) -> None:
        with self._none_owed:
            self._owed += 1

    def acked(self) -> None:
        with self._none_owed:
            self._owed -= 1
            if self._owed <= 0:
                self._owed = 0
                self._none_owed.notify_all()

    def give_way(self) -> None:
        with self._none_owed:
            self._none_owed.wait_for(lambda: self._owed == 0, timeout=self.max_wait)


class DirectClient(SocketModeClient):
    """slack_sdk's builtin client whose receive loop hands envelopes on itself.

    Anything that is not an envelope (``hello``, ``disconnect``) takes the client's own queue,
    so reconnecting stays slack_sdk's business. An Events API envelope is acked here, on
    arrival, and its listener submitted to the handler's events pool; any other envelope goes
    to one of the connection's ``concurrency`` workers (started here) with the time it arrived.
    """

    def __init__(self, *, handler: AckFirstHandler, concurrency: int, **options: Any) -> None:
        super().__init__(concurrency=1, **options)  # slack_sdk's pool: hello/disconnect only
        self.handler = handler
        self.workers = Workers(concurrency, name="slack-worker")

    def close(self) -> None:
        """slack_sdk's close, made sure to end.

        slack_sdk's receive loop sets its session state back to not terminated as it starts on a
        new session. A close that lands in that window (right after a connect) marks the state
        terminated, is undone, and then joins a loop that sleeps on a closed socket forever. So
        the loop is told to end, and its socket closed, until it has.
        """
        self.closed = True
        self.auto_reconnect_enabled = False
        runner = self.current_session_runner
        runner.event.set()
        while runner.is_alive():
            self.current_session_state.terminated = True
            self.disconnect()
            runner.thread.join(0.1)
        super().close()
        self.workers.shutdown()

    def connect(self) -> None:
        """slack_sdk's connect (also every reconnect), then Nagle off on the new socket: acks
        are small writes, often several in flight on one connection, and with Nagle a second
        ack waits for the first one's TCP ACK, which the peer may delay (up to 40 ms on
        Linux, 200 ms elsewhere). slack_sdk sets TCP_NODELAY only when it goes through a
        proxy."""
        super().connect()
        session = self.current_session
        sock = getattr(session, "sock", None)
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send_message(self, message: str) -> None:
        """Send on the current connection with a fast frame; anything unusual (no connection
        yet, a socket being replaced) takes slack_sdk's own path, which retries once."""
        session = self.current_session
        sock = getattr(session, "sock", None)
        if session is None or sock is None or not session.is_active():
            super().send_message(message)
            return
        frame = masked_text_frame(message)
        try:
            with session.sock_send_lock:
                sock.sendall(frame)
        except OSError:
            super().send_message(message)

    def enqueue_message(self, message: str) -> None:
        arrived = time.perf_counter()
        request = _envelope(message)
        if request is None:
            super().enqueue_message(message)
            return
        if request.type == "events_api":
            self.handler.ack_event(self, request, arrived)
            return
        if self.handler.owed is not None:
            self.handler.owed.arrived()  # acked() once its ack is sent
        self.workers.submit(self.handler.run_request, self, request, arrived)


def masked_text_frame(text: str) -> bytes:
    """A client's websocket text frame (RFC 6455 §5.2, masked as a client must).

    slack_sdk masks byte by byte in a generator (0.4-2 us a byte: a 2 KB ``help`` ack took
    about a millisecond); XOR over two big integers does it in C, and lengths past 64 KiB get
    the 8-byte form."""
    data = text.encode("utf-8")
    n = len(data)
    if n <= 125:
        header = bytes((0x81, 0x80 | n))
    elif n <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    # slack_sdk's own source (random, not os.urandom: a syscall gives up the GIL, and getting
    # it back behind busy job threads cost milliseconds on the ack path)
    key = random.getrandbits(32).to_bytes(4, "big")
    mask = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(data, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big")
    return header + key + masked


def _envelope(message: str) -> SocketModeRequest | None:
    if not message.startswith("{"):
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("type") == "disconnect":
        return None
    return SocketModeRequest.from_dict(parsed)


class AckFirstHandler(SocketModeHandler):
    """Bolt's socket-mode handler over a :class:`DirectClient`; it times every ack (from the
    envelope's arrival in the receive loop to its ack sent) for ``aiops_slack_ack_seconds``.

    ``direct=False`` keeps slack_sdk's own client (the receive loop queues, a processor thread
    dispatches; timed from the worker): the benchmark's previous configuration.
    """

    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        events: Workers,
        direct: bool = True,
        owed: AcksOwed | None = None,
        concurrency: int = 8,
        receive_buffer_size: int = 65536,
    ) -> None:
        self.app = app
        self.app_token = app_token
        self.events = events
        self.owed = owed if direct else None  # only the direct client counts arrivals
        options: dict[str, Any] = {
            "app_token": app_token,
            "logger": app.logger,
            "web_client": app.client,
            "proxy": app.client.proxy,
            "ping_interval": 10,
            "receive_buffer_size": receive_buffer_size,
        }
        self.client = (
            DirectClient(handler=self, concurrency=concurrency, **options)
            if direct
            else SocketModeClient(concurrency=concurrency, **options)
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """slack_sdk's path (``direct=False``): called on a worker."""
        if req.type == "events_api":
            self.ack_event(client, req, time.perf_counter())
        else:
            self.run_request(client, req, time.perf_counter())

    def run_request(self, client: SocketModeClient, req: SocketModeRequest, arrived: float) -> None:
        """A command, click or submission: the listener acks (the ack may carry a reply)."""
        try:
            response = run_bolt_app(self.app, req)
            send_response(client, req, response, arrived)
            if response.status == 200:  # else nothing was sent (Bolt logged why)
                observability.slack_ack(time.perf_counter() - arrived, request_kind(req.payload))
        finally:
            if self.owed is not None:
                self.owed.acked()

    def ack_event(self, client: SocketModeClient, req: SocketModeRequest, arrived: float) -> None:
        """An event's ack carries nothing: send it now, run the listener afterwards."""
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        observability.slack_ack(time.perf_counter() - arrived, "event")
        self.events.submit(self._run_event, req)

    def _run_event(self, req: SocketModeRequest) -> None:
        if self.owed is not None:
            self.owed.give_way()
        try:
            run_bolt_app(self.app, req)  # Bolt's response for an event is dropped: acked already
        except Exception:
            log.exception("event envelope %s failed after its ack", req.envelope_id)


class SocketModeConnections:
    """The app's socket-mode connections, opened together and closed together."""

    def __init__(self, handlers: list[SocketModeHandler], events: Workers) -> None:
        self.handlers = handlers
        self.events = events

    def close(self) -> None:
        """Close every connection at once (each waits up to a second for its loops to end)."""
        closing = [threading.Thread(target=h.close, name="slack-close") for h in self.handlers]
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join()
        self.events.shutdown()


def start_socket_mode(
    app: App,
    app_token: str,
    *,
    connections: int = 1,
    concurrency: int = 16,
    receive_buffer_size: int = 65536,
    ack_events_first: bool = True,
    direct: bool = True,
    owed: AcksOwed | None = None,
) -> SocketModeConnections:
    """Open ``connections`` socket-mode connections without blocking (the caller may also serve
    HTTP); ``close()`` stops them. ``concurrency`` workers are shared out among them.
    ``ack_events_first=False`` keeps Bolt's order (an event acked after its listener) and
    ``direct=False`` slack_sdk's queue and processor thread, for the benchmark's baselines."""
    if not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token (xapp-…)",
            hint="Basic Information → App-Level Tokens, scope connections:write",
        )
    if not 1 <= connections <= MAX_CONNECTIONS:
        raise ConfigError(
            f"socket-mode connections must be between 1 and {MAX_CONNECTIONS}, not {connections}",
            hint="AIOPS_SLACK_CONNECTIONS (Slack refuses more than 10 per app)",
        )
    workers = max(2, -(-concurrency // connections))
    events = Workers(max(2, concurrency // 4), name="slack-event")
    opened = SocketModeConnections([], events)
    try:
        for _ in range(connections):
            handler = (
                AckFirstHandler(
                    app,
                    app_token,
                    events=events,
                    direct=direct,
                    owed=owed,
                    concurrency=workers,
                    receive_buffer_size=receive_buffer_size,
                )
                if ack_events_first
                else SocketModeHandler(
                    app, app_token, concurrency=workers, receive_buffer_size=receive_buffer_size
                )
            )
            opened.handlers.append(handler)
            handler.connect()
    except BaseException:
        opened.close()
        raise
    return opened

"""Build the Bolt app in one place, and connect it over Socket Mode.

app = build_app(settings, services=my_services)
sockets = start_socket_mode(app, token, connections=settings.aiops_slack_connections)
...                      # the caller keeps running (HTTP server, scheduler)
sockets.close()

Slack spreads envelopes over up to 10 socket-mode connections of an app; each connection here has
its own receive loop and workers, so one busy or refreshing connection does not hold the
others. Events API envelopes are acked before the app runs (their ack carries nothing), so the
listener's receipt write is never on the ack path; commands and clicks ack from the listener,
which acks before any database work (the receipt is written in the job).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from types import ModuleType
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.config import Settings
from bot.errors import ConfigError
from bot.jobs import JobRunner
from handlers.slack import approvals, command, errors, feedback, home, incident_actions
from handlers.slack.observe import time_ack
from handlers.slack.services import Services, default_services

log = logging.getLogger("aiops.slack")

# one handler module per feature, each with register(app, services, jobs)
FEATURES: tuple[ModuleType, ...] = (errors, command, incident_actions, approvals, feedback, home)


def build_client(settings: Settings) -> WebClient:
    if settings.slack_bot_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set", hint="the xoxb-… token from the Slack app's OAuth page"
        )
    token = settings.slack_bot_token.get_secret_value()
    if settings.slack_api_url:
        return WebClient(token=token, base_url=settings.slack_api_url)
    return WebClient(token=token)


def build_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    services: Services | None = None,
    jobs: JobRunner | None = None,
) -> App:
    """The Bolt app with every feature registered. Calls ``auth.test`` (Slack must answer)."""
    client = client or build_client(settings)
    # Listeners only parse, ack and hand work to ``jobs``, so they run inline before the ack
    # goes back (process_before_response): no polling for the ack, no second thread pool.
    app = App(
        client=client,
        logger=logging.getLogger("aiops.slack.bolt"),
        process_before_response=True,
    )
    app.use(time_ack)  # Slack ack latency at /metrics
    services = services or default_services()
    jobs = jobs or JobRunner()
    for feature in FEATURES:
        feature.register(app, services, jobs)
    return app


MAX_CONNECTIONS = 10  # Slack's limit per app; an 11th connection is told too_many_websockets


class EventsAckFirstHandler(SocketModeHandler):
    """Acks an Events API envelope on arrival, then runs the app on it in ``events``.

    An event's ack carries no payload, so nothing the listener does can change it; acking first
    keeps the listener's work (the event's receipt, a database write) off the ack path, and
    running it in its own pool keeps the connection's workers free for the next envelopes.
    Bolt's own response for the event is dropped. Commands and clicks go through Bolt unchanged:
    their ack may carry a reply, so the listener sends it (and acks before any database work).
    """

    def __init__(self, app: App, app_token: str, *, events: Executor, **options: Any) -> None:
        super().__init__(app, app_token, **options)
        self.events = events

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        if req.type != "events_api":
            super().handle(client, req)
            return
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        self.events.submit(self._run, req)

    def _run(self, req: SocketModeRequest) -> None:
        try:
            run_bolt_app(self.app, req)
        except Exception:
            log.exception("event envelope %s failed after its ack", req.envelope_id)


class SocketModeConnections:
    """The app's socket-mode connections, opened together and closed together."""

    def __init__(self, handlers: list[SocketModeHandler], events: ThreadPoolExecutor) -> None:
        self.handlers = handlers
        self.events = events

    def close(self) -> None:
        """Close every connection at once (each waits up to a second for its loops to end)."""
        closing = [threading.Thread(target=h.close, name="slack-close") for h in self.handlers]
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join()
        self.events.shutdown(wait=True)


def start_socket_mode(
    app: App,
    app_token: str,
    *,
    connections: int = 1,
    concurrency: int = 16,
    receive_buffer_size: int = 65536,
    ack_events_first: bool = True,
) -> SocketModeConnections:
    """Open ``connections`` socket-mode connections without blocking (the caller may also serve
    HTTP); ``close()`` stops them. ``concurrency`` workers are shared out among them.
    ``ack_events_first=False`` keeps Bolt's order (ack after the listener) for the benchmark's
    baseline."""
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
    events = ThreadPoolExecutor(max_workers=max(2, concurrency // 4), thread_name_prefix="event")
    opened = SocketModeConnections([], events)
    options: dict[str, Any] = {"concurrency": workers, "receive_buffer_size": receive_buffer_size}
    try:
        for _ in range(connections):
            handler = (
                EventsAckFirstHandler(app, app_token, events=events, **options)
                if ack_events_first
                else SocketModeHandler(app, app_token, **options)
            )
            opened.handlers.append(handler)
            handler.connect()
    except BaseException:
        opened.close()
        raise
    return opened

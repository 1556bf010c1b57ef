"""Build the Bolt app in one place, and connect it over Socket Mode.

app = build_app(settings, services=my_services)
sockets = start_socket_mode(app, token, connections=settings.aiops_slack_connections)
...                      # the caller keeps running (HTTP server, scheduler)
sockets.close()

The connections and their ack path are in ``handlers.slack.sockets``.
"""

from __future__ import annotations

import logging
from types import ModuleType

from slack_bolt import App
from slack_sdk import WebClient

from bot.config import Settings
from bot.errors import ConfigError
from bot.jobs import JobRunner
from handlers.slack import approvals, command, errors, feedback, home, incident_actions
from handlers.slack.services import Services, default_services
from handlers.slack.sockets import MAX_CONNECTIONS, SocketModeConnections, start_socket_mode

log = logging.getLogger("aiops.slack")

__all__ = [
    "MAX_CONNECTIONS",
    "SocketModeConnections",
    "build_app",
    "build_client",
    "start_socket_mode",
]

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
    services = services or default_services()
    jobs = jobs or JobRunner()
    for feature in FEATURES:
        feature.register(app, services, jobs)
    return app

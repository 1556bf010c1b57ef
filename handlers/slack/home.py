"""App Home: on ``app_home_opened`` publish open incidents, pending approvals and on-call."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.jobs import JobRunner
from handlers.blocks.misc import home_tab
from handlers.blocks.text import section
from handlers.slack.once import first_delivery
from handlers.slack.services import Actor, Services


def register(app: App, services: Services, jobs: JobRunner) -> None:
    @app.event("app_home_opened")
    def home_opened(
        event: dict[str, Any], body: dict[str, Any], request: BoltRequest, client: WebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        retry = next(iter(request.headers.get("x-slack-retry-num") or []), None)
        if not first_delivery(services, body, retry):
            return
        user = event["user"]
        actor = Actor(user, body.get("team_id"))

        def job() -> None:
            client.views_publish(user_id=user, view=home_tab(services.home(actor)))

        def on_error(message: str) -> None:
            client.views_publish(user_id=user, view=View(type="home", blocks=[section(message)]))

        jobs.submit("app home", job, on_error=on_error)

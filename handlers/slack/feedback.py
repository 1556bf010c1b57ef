"""Feedback buttons under an investigation: helpful, not helpful, this fixed it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.jobs import JobRunner
from handlers.blocks.ids import FEEDBACK_KIND, ActionId, FeedbackRef, parse_value
from handlers.slack.once import handle_click
from handlers.slack.services import Services

LABELS = {
    ActionId.FEEDBACK_UP: "Helpful",
    ActionId.FEEDBACK_DOWN: "Not helpful",
    ActionId.FEEDBACK_FIXED: "This fixed it",
}


def register(app: App, services: Services, jobs: JobRunner) -> None:
    def on_feedback(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        action_id = ActionId(action["action_id"])
        kind = FEEDBACK_KIND[action_id]
        handle_click(
            services=services, jobs=jobs, client=client, body=body, action=action,
            respond=respond, label=LABELS[action_id],
            work=lambda r: services.feedback(
                r.actor, parse_value(FeedbackRef, action.get("value")), kind
            ),
        )  # fmt: skip

    for action_id in FEEDBACK_KIND:
        app.action(action_id)(on_feedback)

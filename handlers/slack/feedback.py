"""Feedback under an investigation: helpful, not helpful, this fixed it, a 1–5 rating, and
right / wrong on one hypothesis (cause) or one recommended action (fix). Each goes through
``bot.learn`` (via the services)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.jobs import JobRunner
from handlers.blocks.ids import (
    FEEDBACK_KIND,
    ActionId,
    FeedbackRef,
    JudgeRef,
    RatingRef,
    parse_value,
)
from handlers.slack.once import handle_click
from handlers.slack.services import Services

LABELS = {
    ActionId.FEEDBACK_UP: "Helpful",
    ActionId.FEEDBACK_DOWN: "Not helpful",
    ActionId.FEEDBACK_FIXED: "This fixed it",
}


def _picked(action: dict[str, Any]) -> str | None:
    """The value of the option a select or overflow menu reports as chosen."""
    option = action.get("selected_option") or {}
    return option.get("value") if isinstance(option, dict) else None


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

    @app.action(ActionId.FEEDBACK_RATE)
    def on_rate(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        value = _picked(action)
        handle_click(
            services=services, jobs=jobs, client=client, body=body,
            action={**action, "value": value}, respond=respond, label="Rate",
            work=lambda r: services.rate(r.actor, parse_value(RatingRef, value)),
        )  # fmt: skip

    def on_judge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        value = _picked(action)
        handle_click(
            services=services, jobs=jobs, client=client, body=body,
            action={**action, "value": value}, respond=respond, label="Right / wrong",
            work=lambda r: services.judge(r.actor, parse_value(JudgeRef, value)),
        )  # fmt: skip

    for action_id in (ActionId.HYPOTHESIS_JUDGE, ActionId.ACTION_JUDGE):
        app.action(action_id)(on_judge)

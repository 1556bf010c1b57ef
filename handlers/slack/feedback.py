"""Feedback under an investigation: helpful, not helpful, this fixed it, a 1–5 rating, and
right / wrong on one hypothesis (cause) or one recommended action (fix). Each goes through
``bot.learn`` (via the services)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App

from bot.jobs import JobRunner
from handlers.blocks.ids import (
    FEEDBACK_KIND,
    ActionId,
    FeedbackKind,
    FeedbackRef,
    JudgeRef,
    RatingRef,
    parse_value,
)
from handlers.slack.once import on_click
from handlers.slack.respond import Responder
from handlers.slack.services import Reply, Services

LABELS = {
    ActionId.FEEDBACK_UP: "Helpful",
    ActionId.FEEDBACK_DOWN: "Not helpful",
    ActionId.FEEDBACK_FIXED: "This fixed it",
}


def _picked(action: Mapping[str, Any]) -> str | None:
    """The value of the option a select or overflow menu reports as chosen."""
    option = action.get("selected_option") or {}
    return option.get("value") if isinstance(option, dict) else None


def register(app: App, services: Services, jobs: JobRunner) -> None:
    def feedback(kind: FeedbackKind) -> Callable[[Responder, Mapping[str, Any]], Reply]:
        def work(r: Responder, action: Mapping[str, Any]) -> Reply:
            return services.feedback(r.actor, parse_value(FeedbackRef, action.get("value")), kind)

        return work

    def rate(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.rate(r.actor, parse_value(RatingRef, action.get("value")))

    def judge(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.judge(r.actor, parse_value(JudgeRef, action.get("value")))

    for action_id, kind in FEEDBACK_KIND.items():
        on_click(app, services, jobs, action_id, LABELS[action_id], feedback(kind))
    on_click(app, services, jobs, ActionId.FEEDBACK_RATE, "Rate", rate, value=_picked)
    for action_id in (ActionId.HYPOTHESIS_JUDGE, ActionId.ACTION_JUDGE):
        on_click(app, services, jobs, action_id, "Right / wrong", judge, value=_picked)

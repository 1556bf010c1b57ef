"""Approve / Reject buttons on a remediation request (summary, approval message, App Home),
and an audit finding's "Propose fix" (under ``/aiops audit security|cost``), which makes one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import App

from bot.jobs import JobRunner
from handlers.blocks.ids import ActionId, FixRef, RequestRef, parse_value
from handlers.slack.once import on_click
from handlers.slack.respond import Responder
from handlers.slack.services import Reply, Services


def _request(action: Mapping[str, Any]) -> str:
    return parse_value(RequestRef, action.get("value")).request_id


def register(app: App, services: Services, jobs: JobRunner) -> None:
    def approve(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.approve(r.actor, _request(action))

    def reject(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.reject(r.actor, _request(action), None)

    def propose_fix(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.propose_fix(r.actor, parse_value(FixRef, action.get("value")))

    on_click(app, services, jobs, ActionId.APPROVE, "Approve", approve)
    on_click(app, services, jobs, ActionId.REJECT, "Reject", reject)
    on_click(app, services, jobs, ActionId.PROPOSE_FIX, "Propose fix", propose_fix)

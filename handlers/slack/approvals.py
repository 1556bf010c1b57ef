"""Approve / Reject buttons on a remediation request (summary, approval message, App Home),
and an audit finding's "Propose fix" (under ``/aiops audit security|cost``), which makes one."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.jobs import JobRunner
from handlers.blocks.ids import ActionId, FixRef, RequestRef, parse_value
from handlers.slack.once import handle_click
from handlers.slack.services import Services


def _request(action: dict[str, Any]) -> str:
    return parse_value(RequestRef, action.get("value")).request_id


def register(app: App, services: Services, jobs: JobRunner) -> None:
    @app.action(ActionId.APPROVE)
    def approve(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        handle_click(
            services=services, jobs=jobs, client=client, body=body, action=action,
            respond=respond, label="Approve",
            work=lambda r: services.approve(r.actor, _request(action)),
        )  # fmt: skip

    @app.action(ActionId.REJECT)
    def reject(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        handle_click(
            services=services, jobs=jobs, client=client, body=body, action=action,
            respond=respond, label="Reject",
            work=lambda r: services.reject(r.actor, _request(action), None),
        )  # fmt: skip

    @app.action(ActionId.PROPOSE_FIX)
    def propose_fix(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        handle_click(
            services=services, jobs=jobs, client=client, body=body, action=action,
            respond=respond, label="Propose fix",
            work=lambda r: services.propose_fix(r.actor, parse_value(FixRef, action.get("value"))),
        )  # fmt: skip

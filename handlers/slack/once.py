"""Run a click's work once: keys for ``services.dedup`` and the shared click flow.

A click's key is (action, user, where, value): the same person pressing the same button on the
same message twice — a double click, or Slack redelivering the payload — runs the work once.
Events are keyed by their ``event_id``, which Slack keeps across retries. ``on_click`` registers
a button's (or menu's) listener: ack at once, then the shared flow in a job.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.jobs import JobRunner
from handlers.slack.respond import Responder
from handlers.slack.services import Reply, Services

log = logging.getLogger("aiops.slack")


def click_key(body: Mapping[str, Any], action: Mapping[str, Any]) -> str:
    container = body.get("container") or {}
    where = container.get("message_ts") or container.get("view_id") or "-"
    value = hashlib.sha256(str(action.get("value", "")).encode()).hexdigest()[:16]
    return f"slack:click:{action.get('action_id')}:{body['user']['id']}:{where}:{value}"


def event_key(body: Mapping[str, Any]) -> str:
    return f"slack:event:{body.get('event_id')}"


def first_delivery(services: Services, body: Mapping[str, Any], retry_num: str | None) -> bool:
    """True the first time this event arrives; retries (same event_id) answer False."""
    if services.dedup(event_key(body)):
        return True
    log.info("dropping a repeated event %s (retry %s)", body.get("event_id"), retry_num or "0")
    return False


def handle_click(
    *,
    services: Services,
    jobs: JobRunner,
    client: WebClient,
    body: Mapping[str, Any],
    action: Mapping[str, Any],
    respond: Respond | None,
    label: str,
    work: Callable[[Responder], Reply],
    notice: str | None = None,
) -> None:
    """After ``ack()``: in a job, check the click is new, optionally show ``notice`` at once,
    run ``work`` and show its reply."""
    responder = Responder.for_click(client, body, respond)
    key = click_key(body, action)

    def job() -> None:
        if not services.dedup(key):
            responder.private(f"You already pressed *{label}* here; it is handled once.")
            return
        if notice:
            responder.private(notice)
        responder.send(work(responder))

    jobs.submit(f"click {action.get('action_id')}", job, on_error=responder.error)


def on_click(
    app: App,
    services: Services,
    jobs: JobRunner,
    action_id: str,
    label: str,
    work: Callable[[Responder, Mapping[str, Any]], Reply],
    *,
    notice: str | None = None,
    value: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> None:
    """Listen to ``action_id``: ack, then ``handle_click`` with ``work(responder, action)``.
    ``value`` reads what the click carries when it is not the action's own ``value`` (the option
    a menu reports as chosen); the click is keyed on it and ``work`` sees it as ``value``."""

    def listener(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        clicked = action if value is None else {**action, "value": value(action)}
        handle_click(
            services=services, jobs=jobs, client=client, body=body, action=clicked,
            respond=respond, label=label, notice=notice, work=lambda r: work(r, clicked),
        )  # fmt: skip

    app.action(action_id)(listener)

"""Buttons on an incident message: Acknowledge, Investigate, Resolve (a modal with a note and
"what fixed it": a registry action or runbook from a list, or a few words)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.jobs import JobRunner
from handlers.blocks.ids import (
    ActionId,
    BlockId,
    CallbackId,
    IncidentRef,
    InputId,
    ResolveMetadata,
    parse_value,
)
from handlers.blocks.misc import MAX_FIX_TEXT, MAX_NOTE, resolve_modal
from handlers.slack.once import on_click
from handlers.slack.respond import Responder
from handlers.slack.services import Actor, Reply, Services


def _fix(values: dict[str, Any]) -> tuple[str | None, str | None]:
    """The modal's "what fixed it": the picked option's value and the typed text."""
    picked = (values.get(BlockId.RESOLVE_FIX) or {}).get(InputId.RESOLVE_FIX) or {}
    option = picked.get("selected_option") or {}
    typed = (values.get(BlockId.RESOLVE_FIX_TEXT) or {}).get(InputId.RESOLVE_FIX_TEXT) or {}
    pick = option.get("value") if isinstance(option, dict) else None
    return pick or None, (typed.get("value") or "").strip() or None


def _incident(action: Mapping[str, Any]) -> int:
    return parse_value(IncidentRef, action.get("value")).incident_id


def register(app: App, services: Services, jobs: JobRunner) -> None:
    def acknowledge(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.acknowledge(r.actor, _incident(action))

    def investigate(r: Responder, action: Mapping[str, Any]) -> Reply:
        return services.investigate_incident(r.actor, _incident(action))

    on_click(app, services, jobs, ActionId.ACKNOWLEDGE, "Acknowledge", acknowledge)
    on_click(
        app, services, jobs, ActionId.INVESTIGATE, "Investigate", investigate,
        notice=":mag: Investigating… I'll post the findings in the thread.",
    )  # fmt: skip

    @app.action(ActionId.RESOLVE)
    def resolve(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        container = body.get("container") or {}
        meta = ResolveMetadata(
            incident_id=_incident(action),
            channel_id=container.get("channel_id"),
            message_ts=container.get("message_ts"),
        )
        # trigger_id lives 3 s: open the modal here, not in the job queue
        actor = Actor(body["user"]["id"], (body.get("team") or {}).get("id"), meta.channel_id)
        view = resolve_modal(meta, services.fix_choices(actor))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(CallbackId.RESOLVE_MODAL)
    def resolve_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        values = (view.get("state") or {}).get("values") or {}
        field = (values.get(BlockId.RESOLVE_NOTE) or {}).get(InputId.RESOLVE_NOTE) or {}
        note = (field.get("value") or "").strip() or None
        if note is not None and len(note) > MAX_NOTE:
            ack(
                response_action="errors",
                errors={BlockId.RESOLVE_NOTE: f"At most {MAX_NOTE} characters, please."},
            )
            return
        pick, fix_text = _fix(values)
        if fix_text is not None and len(fix_text) > MAX_FIX_TEXT:
            ack(
                response_action="errors",
                errors={BlockId.RESOLVE_FIX_TEXT: f"At most {MAX_FIX_TEXT} characters, please."},
            )
            return
        ack()
        meta = parse_value(ResolveMetadata, view.get("private_metadata"))
        actor = Actor(body["user"]["id"], (body.get("team") or {}).get("id"), meta.channel_id)
        responder = Responder(
            client, actor, None, meta.channel_id, meta.message_ts, meta.message_ts
        )

        def job() -> None:
            if not services.dedup(f"slack:view:{view.get('id')}"):
                return
            responder.send(services.resolve(actor, meta.incident_id, note))
            if pick or fix_text:
                responder.send(services.fix_found(actor, meta.incident_id, pick, fix_text))

        jobs.submit("resolve modal", job, on_error=responder.error)

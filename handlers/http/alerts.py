"""Alert webhooks: Alertmanager v4 and generic (bearer), PagerDuty v3 (signed)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.errors import Conflict
from bot.escalate.service import incident_paged_as
from bot.ingest.alertmanager import parse_alertmanager
from bot.ingest.generic import parse_generic
from bot.ingest.pagerduty import PagerDutyEvent, parse_pagerduty
from bot.ingest.signatures import check_fresh, check_pagerduty
from bot.store.receipts import remember, seen
from handlers.http.body import parse_json, read_body
from handlers.http.deps import HttpServices, bearer_json, services_of

router = APIRouter()
log = logging.getLogger("aiops.http")


def _summary(outcomes: list[Any]) -> dict[str, Any]:
    return {
        "accepted": len(outcomes),
        "alerts": [o.alert_id for o in outcomes],
        "incidents": sorted({o.incident_id for o in outcomes if o.incident_id is not None}),
    }


@router.post("/webhooks/alertmanager")
async def alertmanager(request: Request) -> dict[str, Any]:
    svc, body = await bearer_json(request)
    return _summary(await svc.pipeline.submit_async(parse_alertmanager(body)))


@router.post("/webhooks/generic")
async def generic(request: Request) -> dict[str, Any]:
    svc, body = await bearer_json(request)
    return _summary(await svc.pipeline.submit_async(parse_generic(body)))


@router.post("/webhooks/pagerduty")
async def pagerduty(request: Request) -> dict[str, Any]:
    svc = services_of(request)
    raw = await read_body(request)
    check_pagerduty(request.headers.get("x-pagerduty-signature"), raw, svc.pagerduty_secrets)
    event = parse_pagerduty(parse_json(raw))
    check_fresh(event.occurred_at, svc.clock.now(), "event.occurred_at")
    return await run_in_threadpool(_pagerduty_event, svc, event)


def _pagerduty_event(svc: HttpServices, event: PagerDutyEvent) -> dict[str, Any]:
    key = f"pagerduty:{event.event_id}"
    if seen(svc.flows.db, key):
        return {"duplicate": True}
    result: dict[str, Any]
    owned = incident_paged_as(svc.flows.db, event.incident_key)
    if owned is not None and event.action in ("acknowledged", "resolved"):
        # Our own page, changed in PagerDuty: mirror it, and never notify PagerDuty back.
        actor = event.agent or "pagerduty"
        try:
            if event.action == "acknowledged":
                svc.flows.acknowledge(owned, actor=actor, source="pagerduty")
            else:
                svc.flows.resolve(owned, actor=actor, source="pagerduty")
        except Conflict as exc:
            log.info("pagerduty %s on incident #%d ignored: %s", event.action, owned, exc)
        result = {"incident": owned, "action": event.action}
    elif owned is None and event.action in ("firing", "resolved"):
        result = _summary(svc.pipeline.submit([event.to_alert()]))
    else:
        result = {"ignored": event.event_type}
    remember(svc.flows.db, key)
    return result

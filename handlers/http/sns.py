"""The SNS endpoint: CloudWatch alarms and EventBridge events (DevOps Guru, Synthetics, AWS
Health, anomaly-detection alarms), signature-verified; subscriptions confirmed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.ingest.aws_events import parse_sns_message
from bot.ingest.models import BadPayload
from bot.ingest.signatures import check_fresh
from bot.ingest.sns import TYPES, SnsEnvelope, parse_envelope
from bot.store.receipts import remember, seen
from handlers.http.body import parse_json, read_body
from handlers.http.deps import HttpServices, services_of

router = APIRouter()


@router.post("/webhooks/sns")
async def sns(request: Request) -> dict[str, Any]:
    """Cheapest checks first: the type header SNS sends, content type and size (read_body), the
    bounded JSON parse, the envelope's ``Type`` and fields, the certificate host; only then the
    signature (which may fetch the certificate), and the ``Message`` only once it is verified."""
    svc = services_of(request)
    header_type = request.headers.get("x-amz-sns-message-type")
    if header_type is not None and header_type not in TYPES:
        raise BadPayload(f"unsupported x-amz-sns-message-type {header_type[:40]!r}")
    raw = await read_body(request, types=("text/plain", "application/json"))
    env = parse_envelope(parse_json(raw))
    if header_type is not None and header_type != env.type:
        raise BadPayload("x-amz-sns-message-type does not match the envelope's Type")
    svc.sns.check_origin(env)
    return await run_in_threadpool(_handle, svc, env)


def _handle(svc: HttpServices, env: SnsEnvelope) -> dict[str, Any]:
    svc.sns.verify(env)
    check_fresh(env.timestamp, svc.clock.now(), "Timestamp")
    if env.type == "SubscriptionConfirmation":
        svc.sns.confirm(env)
        return {"confirmed": env.topic_arn}
    if env.type == "UnsubscribeConfirmation":
        return {"unsubscribed": env.topic_arn}
    key = f"sns:{env.message_id}"
    if seen(svc.flows.db, key):
        return {"duplicate": True}
    alerts = parse_sns_message(env.message)
    outcomes = svc.pipeline.submit(alerts)
    remember(svc.flows.db, key)
    return {
        "accepted": len(outcomes),
        "alerts": [o.alert_id for o in outcomes],
        "incidents": sorted({o.incident_id for o in outcomes if o.incident_id is not None}),
    }

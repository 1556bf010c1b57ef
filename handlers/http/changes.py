"""Change webhooks → ChangeEvents: GitHub (HMAC), Argo CD, Jenkins, manual (bearer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.changes.models import ChangeIn
from bot.changes.parse import parse_argocd, parse_github, parse_jenkins, parse_manual
from bot.incidents.changes import record_change
from bot.ingest.signatures import check_github
from bot.store.receipts import remember, seen
from handlers.http.body import parse_json, read_body
from handlers.http.deps import HttpServices, bearer_json, services_of

router = APIRouter()


def _store(svc: HttpServices, change: ChangeIn | None) -> dict[str, Any]:
    if change is None:
        return {"ignored": True}
    row, created = record_change(svc.flows, change)
    return {"change": row.id, "created": created}


@router.post("/webhooks/changes/github")
async def github(request: Request) -> dict[str, Any]:
    svc = services_of(request)
    raw = await read_body(request)
    check_github(request.headers.get("x-hub-signature-256"), raw, svc.github_secret)
    body = parse_json(raw)
    delivery = request.headers.get("x-github-delivery")
    change = parse_github(request.headers.get("x-github-event"), body, svc.clock.now())
    return await run_in_threadpool(_github, svc, change, delivery)


def _github(svc: HttpServices, change: ChangeIn | None, delivery: str | None) -> dict[str, Any]:
    key = f"github:{delivery}" if delivery else None
    if key and seen(svc.flows.db, key):
        return {"duplicate": True}
    result = _store(svc, change)
    if key:
        remember(svc.flows.db, key)
    return result


async def _with_bearer(
    request: Request, parse: Callable[[Any, datetime], ChangeIn | None]
) -> dict[str, Any]:
    """A change webhook signed with the bearer token: ``parse`` its body, store the change."""
    svc, body = await bearer_json(request)
    return await run_in_threadpool(_store, svc, parse(body, svc.clock.now()))


@router.post("/webhooks/changes/argocd")
async def argocd(request: Request) -> dict[str, Any]:
    return await _with_bearer(request, parse_argocd)


@router.post("/webhooks/changes/jenkins")
async def jenkins(request: Request) -> dict[str, Any]:
    return await _with_bearer(request, parse_jenkins)


@router.post("/webhooks/changes/manual")
async def manual(request: Request) -> dict[str, Any]:
    return await _with_bearer(request, parse_manual)

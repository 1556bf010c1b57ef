"""``POST /webhooks/github``: a signed GitHub push to the runbook repository syncs the runbooks.

``X-Hub-Signature-256`` (HMAC-SHA256 of the body with ``AIOPS_GITHUB_WEBHOOK_SECRET``, else
``GITHUB_WEBHOOK_SECRET``) is checked before anything is read: a missing or wrong one is a 401.
``ping`` answers 200; a ``push`` to the configured ref runs the sync and answers its result
(200 when the new version is live, 422 with ``FILE:LINE: key: reason`` lines when a file is bad
and the previous version stays live, 502 when git could not fetch); a push to another ref, or
another event, is ignored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.errors import Conflict
from bot.ingest.models import BadPayload
from bot.ingest.signatures import check_github
from bot.runbooks.sync import RunbookSync
from handlers.http.body import parse_json, read_body
from handlers.http.deps import services_of

router = APIRouter()
SYNC_KEY = "runbooks"  # HttpServices.extra[SYNC_KEY]: the process's RunbookSync


def _pushed_ref_matches(pushed: str, ref: str) -> bool:
    if pushed in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
        return True
    return len(ref) == 40 and all(c in "0123456789abcdef" for c in ref)  # a pinned commit


@router.post("/webhooks/github")
async def github_push(request: Request) -> Any:
    svc = services_of(request)
    raw = await read_body(request)
    secret = svc.settings.aiops_github_webhook_secret or svc.settings.github_webhook_secret
    check_github(
        request.headers.get("x-hub-signature-256"), raw,
        secret.get_secret_value() if secret else None,
    )  # fmt: skip
    event = request.headers.get("x-github-event")
    if not event:
        raise BadPayload("missing X-GitHub-Event")
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise BadPayload("a GitHub event body is a JSON object")
    if event == "ping":
        return {"pong": True, "zen": str(body.get("zen", ""))}
    if event != "push":
        return {"ignored": f"event {event}"}
    pushed = body.get("ref")
    if not isinstance(pushed, str) or not pushed:
        raise BadPayload("push: 'ref' must be a non-empty string")
    sync: RunbookSync | None = svc.extra.get(SYNC_KEY)
    if sync is None:
        raise Conflict("runbook sync is not configured", hint="set AIOPS_RUNBOOKS_GIT_URL")
    if not _pushed_ref_matches(pushed, sync.ref):
        return {"ignored": f"push to {pushed}; runbooks follow {sync.ref}"}
    result = await run_in_threadpool(sync.sync)
    status = 200 if result.ok else 422 if result.commit else 502  # 502: git could not fetch
    return JSONResponse(result.as_json(), status_code=status)

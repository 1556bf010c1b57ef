"""Reading a webhook body safely: content type, a 1 MB cap (header AND streamed), JSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from bot.ingest.models import BadPayload, PayloadTooLarge, UnsupportedMediaType

MAX_BODY = 1_000_000


async def read_body(request: Request, *, types: tuple[str, ...] = ("application/json",)) -> bytes:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in types:
        raise UnsupportedMediaType(f"content type must be {' or '.join(types)}, got {ctype!r}")
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise BadPayload("bad Content-Length")
        if int(length) > MAX_BODY:
            raise PayloadTooLarge(f"body over {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge(f"body over {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    if not raw:
        raise BadPayload("empty body")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadPayload("malformed JSON") from None

"""Reading a webhook body safely: content type, a 1 MB cap (header AND streamed), then the one
bounded JSON loader (``bot.ingest.wire.load_json``: depth, NaN/Infinity, 64-bit integers, NUL
and lone surrogates refused with 422 and the field)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from bot.ingest.models import BadPayload, PayloadTooLarge, UnsupportedMediaType
from bot.ingest.wire import MAX_BYTES, load_json

MAX_BODY = MAX_BYTES


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
    return load_json(raw, max_bytes=MAX_BODY)

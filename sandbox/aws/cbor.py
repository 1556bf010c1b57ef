"""A minimal CBOR (RFC 8949) codec: enough for the Smithy RPC v2 CBOR protocol that botocore
uses for CloudWatch (maps, arrays, text, bytes, ints, floats, booleans, null, epoch timestamps
as tag 1)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import Any


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if value < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | extra]) + struct.pack(fmt, value)
    raise ValueError("integer too large for CBOR")


def dumps(value: Any) -> bytes:
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(value: Any, out: bytearray) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, int):
        out += _head(0, value) if value >= 0 else _head(1, -1 - value)
    elif isinstance(value, float):
        out += b"\xfb" + struct.pack(">d", value)
    elif isinstance(value, str):
        raw = value.encode()
        out += _head(3, len(raw)) + raw
    elif isinstance(value, bytes | bytearray):
        out += _head(2, len(value)) + bytes(value)
    elif isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
        out.append(0xC1)
        _encode(when.timestamp(), out)
    elif isinstance(value, list | tuple):
        out += _head(4, len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        out += _head(5, len(value))
        for key, item in value.items():
            _encode(str(key), out)
            _encode(item, out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def loads(data: bytes) -> Any:
    if not data:
        return {}
    value, _ = _decode(data, 0)
    return value


_BREAK = object()


def _length(data: bytes, pos: int, info: int) -> tuple[int | None, int]:
    if info < 24:
        return info, pos
    if info == 31:
        return None, pos
    size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
    return int.from_bytes(data[pos : pos + size], "big"), pos + size


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    initial = data[pos]
    pos += 1
    major, info = initial >> 5, initial & 0x1F
    if initial == 0xFF:
        return _BREAK, pos
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info in (22, 23):
            return None, pos
        fmt = {25: ">e", 26: ">f", 27: ">d"}[info]
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, data[pos : pos + size])[0], pos + size
    length, pos = _length(data, pos, info)
    if major == 0:
        return length, pos
    if major == 1:
        return -1 - (length or 0), pos
    if major in (2, 3):
        if length is None:
            chunks = []
            while True:
                chunk, pos = _decode(data, pos)
                if chunk is _BREAK:
                    break
                chunks.append(chunk)
            return ("" if major == 3 else b"").join(chunks), pos
        raw = data[pos : pos + length]
        return (raw.decode() if major == 3 else bytes(raw)), pos + length
    if major == 4:
        items: list[Any] = []
        while length is None or len(items) < length:
            item, pos = _decode(data, pos)
            if item is _BREAK:
                break
            items.append(item)
        return items, pos
    if major == 5:
        mapping: dict[Any, Any] = {}
        while length is None or len(mapping) < length:
            key, pos = _decode(data, pos)
            if key is _BREAK:
                break
            mapping[key], pos = _decode(data, pos)
        return mapping, pos
    # major 6: a tag; tag 1 is an epoch timestamp
    inner, pos = _decode(data, pos)
    if length == 1 and isinstance(inner, int | float):
        return datetime.fromtimestamp(inner, UTC), pos
    return inner, pos

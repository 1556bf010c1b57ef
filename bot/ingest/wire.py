"""The one way a webhook body becomes Python values: ``load_json``, bounded before it is trusted.

Every webhook (and the JSON an SNS ``Message`` carries) goes through here, so the limits hold
everywhere at once:

- size: over ``max_bytes`` → 413;
- depth: nesting over ``MAX_DEPTH`` → 422. The parser is pydantic_core's (jiter, in Rust), which
  stops at that depth by itself, so a body nested 10,000 deep never reaches a recursive parser
  and never raises RecursionError;
- values the database or the domain cannot hold → 422 naming the field: NaN and ±Infinity
  (``NaN``, ``1e999``), integers outside 64 bits, NUL bytes and lone UTF-16 surrogates in any
  string or key (PostgreSQL rejects both; SQLite would store them and the two engines would
  disagree).

The value walk is iterative, and it runs only when one cheap scan of the bytes finds something
that could be such a value (``NaN``, ``Infinity``, a long digit run, a large exponent, an escaped
NUL or surrogate), so an ordinary body costs one parse and one regex pass.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from pydantic_core import from_json

from bot.changes.models import ChangeIn
from bot.ingest.models import AlertIn, BadPayload, PayloadTooLarge, check_time

MAX_BYTES = 1_000_000
MAX_DEPTH = 201  # pydantic_core's parser has this limit built in ("recursion limit exceeded")
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # a Postgres BIGINT

_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")  # an escaped NUL or UTF-16 surrogate


def _number_shape() -> bytes:
    """A ``bytes.translate`` table: digits → "0", exponent letters → "e", signs → "+", the
    rest → " ". Long digit runs and large exponents then become plain substrings."""
    table = bytearray(b" " * 256)
    for digit in b"0123456789":
        table[digit] = ord("0")
    table[ord("e")] = table[ord("E")] = ord("e")
    table[ord("+")] = table[ord("-")] = ord("+")
    return bytes(table)


_NUMBERS = _number_shape()
_UNSAFE_CHARS = re.compile("[\x00\ud800-\udfff]")


def load_json(raw: bytes, *, max_bytes: int = MAX_BYTES) -> Any:
    """Bytes → JSON values, or ``PayloadTooLarge`` / ``BadPayload`` with the reason."""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"body over {max_bytes} bytes")
    if not raw.strip():
        raise BadPayload("empty body")
    try:
        value = from_json(raw, allow_inf_nan=True)
    except ValueError as exc:
        value = _explain(raw, str(exc))
    if _suspect(raw):
        check_values(value)
    return value


def _suspect(raw: bytes) -> bool:
    """Could the body hold a value ``check_values`` refuses? (False is certain; True may not be.)"""
    if b"NaN" in raw or b"Infinity" in raw or _ESCAPE.search(raw):
        return True
    shape = raw.translate(_NUMBERS)
    return b"0" * 19 in shape or b"e000" in shape or b"e+000" in shape


def _explain(raw: bytes, reason: str) -> Any:
    """The parser refused the body: say why, with the field when a string is at fault."""
    if "recursion limit" in reason:
        raise BadPayload(f"JSON nested deeper than {MAX_DEPTH} levels")
    if "surrogate" not in reason and "hex escape" not in reason:
        if "utf-8" in reason.lower() or "unicode" in reason.lower():
            raise BadPayload("body is not UTF-8")
        if "number out of range" in reason:
            raise BadPayload(f"a number is too large ({reason})")
        raise BadPayload(f"malformed JSON: {reason}")
    # A lone surrogate: the stdlib parser keeps it, so the walk can name its field. That parser
    # recurses, but in C behind the interpreter's recursion guard; a deep body ends here.
    try:
        value = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BadPayload(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BadPayload(f"malformed JSON: {reason}") from None
    check_values(value)
    raise BadPayload(f"malformed JSON: {reason}")


def check_values(value: Any, where: str = "") -> None:
    """Refuse what no engine or field can hold, naming the first offending field."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in reversed(item.items()):
                where_key = f"{path}.{key}" if path else key
                _check_text(key, where_key, "key")
                stack.append((child, where_key))
        elif isinstance(item, list):
            stack.extend((item[i], f"{path}[{i}]") for i in range(len(item) - 1, -1, -1))
        elif isinstance(item, str):
            _check_text(item, path, "value")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise BadPayload(f"{_field(path)}: NaN and Infinity are not allowed")
        elif isinstance(item, int) and not INT_MIN <= item <= INT_MAX:  # bools are in range
            raise BadPayload(f"{_field(path)}: integer outside 64 bits")


# Column sizes of the store (bot/store/models.py): PostgreSQL refuses a longer value, SQLite
# would keep it. Checked at the edge so both engines answer the same 422.
_ALERT_COLUMNS = {
    "source": 32,
    "fingerprint": 128,
    "name": 255,
    "service": 255,
    "severity": 16,
    "status": 16,
    "external_id": 255,
}
_CHANGE_COLUMNS = {"source": 32, "external_id": 255, "kind": 32, "service": 255}
_CHANGE_TEXT = ("environment", "version", "previous", "actor")


def check_alerts(alerts: Sequence[AlertIn]) -> None:
    """Every alert of a delivery fits the store, or the whole delivery is refused (422)."""
    for i, alert in enumerate(alerts):
        where = f"alerts[{i}]"
        _check_columns(alert, _ALERT_COLUMNS, where)
        _check_text(alert.summary, f"{where}.summary", "value")
        check_values(dict(alert.labels), f"{where}.labels")
        check_values(dict(alert.annotations), f"{where}.annotations")
        for name in ("starts_at", "ends_at"):
            when = getattr(alert, name)
            if when is not None:
                check_time(when, f"{where}.{name}")


def check_change(change: ChangeIn) -> None:
    """A change event fits the store, or it is refused (422)."""
    _check_columns(change, _CHANGE_COLUMNS, "")
    for name in _CHANGE_TEXT:
        text = getattr(change, name)
        if text is not None:
            _check_text(text, name, "value")
    check_values(change.detail, "detail")
    check_time(change.at, "at")


def _check_columns(row: object, columns: dict[str, int], where: str) -> None:
    for name, size in columns.items():
        text = getattr(row, name)
        if text is None:
            continue
        field = f"{where}.{name}" if where else name
        _check_text(text, field, "value")
        if len(text) > size:
            raise BadPayload(f"{field}: longer than {size} characters")


def _check_text(text: str, path: str, what: str) -> None:
    m = _UNSAFE_CHARS.search(text)
    if m is None:
        return
    kind = "a NUL byte" if m.group() == "\x00" else "a lone UTF-16 surrogate"
    raise BadPayload(f"{_field(path)}: the {what} contains {kind}")


def _printable(text: str) -> str:
    return _UNSAFE_CHARS.sub("?", text)[:80]


def _field(path: str) -> str:
    return _printable(path) or "body"

"""Logging set-up: standard ``logging``, plain or JSON lines, never secrets.

``log_context(request_id=…, incident_id=…)`` binds ids to everything logged inside it (this
thread or task); every record then carries them, and JSON lines show them as fields.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CONTEXT: contextvars.ContextVar[tuple[tuple[str, Any], ...]] = contextvars.ContextVar(
    "aiops_log_context", default=()
)


@contextmanager
def log_context(**ids: Any) -> Iterator[dict[str, Any]]:
    """Bind ids (``request_id``, ``incident_id``, …; None values are skipped) to log records."""
    merged = {**dict(_CONTEXT.get()), **{k: v for k, v in ids.items() if v is not None}}
    token = _CONTEXT.set(tuple(merged.items()))
    try:
        yield merged
    finally:
        _CONTEXT.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (without overwriting explicit ``extra=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is *now* (test runners and daemons swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(*, debug: bool = False, json_lines: bool | None = None) -> None:
    from bot.config import get_settings

    try:
        settings = get_settings()
        level = "DEBUG" if debug else settings.aiops_log_level.upper()
        as_json = settings.aiops_log_json if json_lines is None else json_lines
    except Exception:
        level, as_json = ("DEBUG" if debug else "WARNING"), False
    handler = _StderrHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in (
        "botocore",
        "urllib3",
        "werkzeug",
        "kubernetes",
        "httpx",
        "asyncio",
        "moto",
        "alembic",
        "drain3",
        "slack_sdk",
        "slack_bolt",
        "apscheduler",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)

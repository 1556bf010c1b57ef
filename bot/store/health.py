"""Is the store ready to serve: the database answers and its schema is the code's head."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from bot.store.db import Database


def readiness(db: Database, head: Callable[[], str | None]) -> tuple[bool, dict[str, str]]:
    """(ready, checks): ``checks`` says per part what was found (``database``, ``schema``)."""
    from bot.store.migrate import current_revision

    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return False, checks
    try:
        current, wanted = current_revision(db.engine), head()
    except Exception as exc:
        checks["schema"] = f"unknown: {type(exc).__name__}"
        return False, checks
    checks["schema"] = "current" if current == wanted else f"at {current}, code needs {wanted}"
    return current == wanted, checks

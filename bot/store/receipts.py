"""Receipts: a key stored once. A webhook delivered twice (same event id), a retried Slack
event or a double click is recognised by its key's primary-key row and handled once.

``remember`` is one ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and Postgres both speak it): no
ORM unit of work and no exception for the duplicate, so a burst of clicks holds the writer lock
as briefly as a write can.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.clock import utcnow
from bot.store import Database
from bot.store.models_ops import Receipt

RECEIPTS: Any = Receipt.__table__  # type: ignore[attr-defined]  # SQLModel sets it


def seen(db: Database, key: str) -> bool:
    with db.session() as session:
        return session.get(Receipt, key[:255]) is not None


def _insert(dialect: str) -> Any:
    """The receipt INSERT, built once per dialect: its values are bound at execution, so
    SQLAlchemy compiles it once (literal ``.values()`` compiled it on every receipt)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(RECEIPTS)
        .on_conflict_do_nothing()
        .returning(RECEIPTS.c.key)  # a row back = inserted (psycopg's rowcount says -1 here)
    )


_INSERTS = {dialect: _insert(dialect) for dialect in ("postgresql", "sqlite")}


def remember(db: Database, key: str) -> bool:
    """Record a processed delivery; False when it was already there."""
    stmt = _INSERTS[db.dialect] if db.dialect in _INSERTS else _insert(db.dialect)
    with db.engine.begin() as conn:
        return conn.execute(stmt, {"key": key[:255], "at": utcnow()}).first() is not None

"""Receipts: a key stored once. A webhook delivered twice (same event id), a retried Slack
event or a double click is recognised by its key's primary-key row and handled once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.store import Database
from bot.store.models_ops import Receipt


def seen(db: Database, key: str) -> bool:
    with db.session() as session:
        return session.get(Receipt, key[:255]) is not None


def remember(db: Database, key: str) -> bool:
    """Record a processed delivery; False when it was already there."""
    try:
        with db.session() as session:
            session.add(Receipt(key=key[:255]))
    except IntegrityError:
        return False
    return True

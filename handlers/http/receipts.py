"""Delivery receipts: a webhook delivered twice (same event id) is acknowledged, not re-applied."""

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

"""The store: SQLModel tables, engines, sessions and migrations."""

from bot.store.db import Database, connect, make_engine, open_database
from bot.store.models import (
    Alert,
    ChangeEvent,
    Incident,
    Investigation,
    Member,
    Team,
    TimelineEvent,
)
from bot.store.models_ops import (
    Approval,
    AuditEntry,
    EscalationPolicy,
    EscalationTimer,
    Feedback,
    Job,
    Notification,
    Receipt,
    RemediationRequest,
    SimilarityDoc,
)

__all__ = [
    "Alert",
    "Approval",
    "AuditEntry",
    "ChangeEvent",
    "Database",
    "EscalationPolicy",
    "EscalationTimer",
    "Feedback",
    "Incident",
    "Investigation",
    "Job",
    "Member",
    "Notification",
    "Receipt",
    "RemediationRequest",
    "SimilarityDoc",
    "Team",
    "TimelineEvent",
    "connect",
    "make_engine",
    "open_database",
]

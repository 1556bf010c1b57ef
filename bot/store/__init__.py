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
from bot.store.models_learn import CaseSignature, FixOutcome
from bot.store.models_ops import (
    Approval,
    AuditEntry,
    AutoInvestigation,
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
    "AutoInvestigation",
    "CaseSignature",
    "ChangeEvent",
    "Database",
    "EscalationPolicy",
    "EscalationTimer",
    "Feedback",
    "FixOutcome",
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

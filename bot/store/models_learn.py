"""Tables for learning from outcomes: what an investigation looked like, and what fixed it.

``CaseSignature`` freezes the signature of an investigation when it is saved (incident class,
platforms, failure signatures, alert names), so an outcome recorded days later is filed under
what the incident looked like then. ``FixOutcome`` is one labelled outcome: a verified or failed
remediation, a click on the feedback buttons, a rating, or "what fixed it" from the resolve
modal. ``bot.learn`` reads and writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from bot.store.models import _json, _now_ts


class CaseSignature(SQLModel, table=True):
    investigation_id: int = Field(primary_key=True, foreign_key="investigation.id")
    key: str = Field(max_length=64, index=True)
    incident_class: str = Field(default="", max_length=64, index=True)
    signature: dict[str, Any] = _json()
    top_hypothesis: str | None = Field(default=None, max_length=128)  # kind, when saved
    first_action: str | None = Field(default=None, max_length=128)
    at: datetime = _now_ts()


class FixOutcome(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True, max_length=255)  # one outcome per click / request
    key: str = Field(max_length=64, index=True)  # IncidentSignature.key
    incident_class: str = Field(default="", max_length=64, index=True)
    signature: dict[str, Any] = _json()
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    investigation_id: int | None = Field(default=None, foreign_key="investigation.id")
    source: str = Field(max_length=16)  # remediation | feedback | resolve
    subject: str = Field(max_length=16)  # action | runbook | hypothesis | analysis | text
    fix: str = Field(default="", max_length=255)  # action / runbook name, hypothesis kind, text
    service: str | None = Field(default=None, max_length=255)
    verdict: int = 0  # +1 worked / right, -1 failed / wrong, 0 neither (a rating)
    rating: int | None = None  # 1..5
    user: str = Field(default="aiops", max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = _now_ts(index=True)


__all__ = ["CaseSignature", "FixOutcome"]

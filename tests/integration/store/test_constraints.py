"""Each idempotency constraint refuses a duplicate and loses nothing already stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, func, select

from bot.store import (
    Alert,
    Approval,
    AuditEntry,
    ChangeEvent,
    Database,
    EscalationTimer,
    Feedback,
    Incident,
    Investigation,
    Job,
    Member,
    Notification,
    Receipt,
    RemediationRequest,
    Team,
)


def _incident(db: Database) -> int:
    with db.session() as s:
        inc = Incident(title="db down")
        s.add(inc)
        s.flush()
        assert inc.id is not None
        return inc.id


def _request(db: Database) -> int:
    with db.session() as s:
        req = RemediationRequest(idempotency_key="seed", action="k8s.restart_deployment")
        s.add(req)
        s.flush()
        assert req.id is not None
        return req.id


def _investigation(db: Database) -> int:
    with db.session() as s:
        inv = Investigation(query="latency")
        s.add(inv)
        s.flush()
        assert inv.id is not None
        return inv.id


Factory = Callable[[Database], Callable[[str], SQLModel]]

CASES: dict[str, Factory] = {
    "alert fingerprint per source": lambda db: (
        lambda tag: Alert(source="alertmanager", fingerprint="fp1", name="HighLatency", summary=tag)
    ),
    "change per source and id": lambda db: (
        lambda tag: ChangeEvent(source="github", external_id="d-1", kind="deployment", version=tag)
    ),
    "approval per request and user": lambda db: (
        lambda rid: lambda tag: Approval(request_id=rid, user="U1", decision="approve", reason=tag)
    )(_request(db)),
    "notification dedup key": lambda db: (
        lambda tag: Notification(dedup_key="inc-1:page:1", channel="pagerduty", target=tag)
    ),
    "remediation idempotency key": lambda db: (
        lambda tag: RemediationRequest(
            idempotency_key="inc-1:k8s.rollback", action="k8s.rollback_deployment", rationale=tag
        )
    ),
    "escalation timer per level": lambda db: (
        lambda iid: lambda tag: EscalationTimer(incident_id=iid, level=2, claimed_by=tag)
    )(_incident(db)),
    "member per slack user": lambda db: lambda tag: Member(slack_user_id="U42", name=tag),
    "team name": lambda db: lambda tag: Team(name="payments", slack_channel=tag),
    "feedback once per user and kind": lambda db: (
        lambda inv: lambda tag: Feedback(investigation_id=inv, user="U1", kind="up", comment=tag)
    )(_investigation(db)),
    "audit hash": lambda db: (
        lambda tag: AuditEntry(actor="U1", action="x", hash="h" * 64, detail=tag)
    ),
    "job per kind and key": lambda db: lambda tag: Job(kind="investigate", key="inc-1", error=tag),
    "delivery receipt": lambda db: lambda tag: Receipt(key="slack:Ev123"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_duplicate_is_refused_and_nothing_is_lost(database: Database, case: str) -> None:
    make = CASES[case](database)
    with database.session() as s:
        s.add(make("first"))
    model = type(make("probe"))
    with database.session() as s:
        before = s.exec(select(func.count()).select_from(model)).one()

    with pytest.raises(IntegrityError), database.session() as s:
        s.add(make("second"))

    with database.session() as s:
        rows: list[Any] = list(s.exec(select(model)).all())
    assert len(rows) == before == 1
    first = rows[0]
    # the stored row is still the first one, untouched by the refused duplicate
    assert "second" not in {str(v) for v in first.model_dump().values()}


def test_datetimes_come_back_aware_utc(database: Database) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    local = datetime(2025, 3, 11, 16, 30, tzinfo=timezone(timedelta(hours=2)))
    with database.session() as s:
        inc = Incident(title="t", created_at=local)
        s.add(inc)
        s.flush()
        iid = inc.id
    with database.session() as s:
        got = s.get(Incident, iid)
        assert got is not None
        assert got.created_at == datetime(2025, 3, 11, 14, 30, tzinfo=UTC)
        assert got.created_at.tzinfo is not None


def test_json_columns_round_trip(database: Database) -> None:
    with database.session() as s:
        a = Alert(source="generic", fingerprint="x", name="n", labels={"env": "prod", "pod": "p-1"})
        s.add(a)
        s.flush()
        aid = a.id
    with database.session() as s:
        got = s.get(Alert, aid)
        assert got is not None and got.labels == {"env": "prod", "pod": "p-1"}

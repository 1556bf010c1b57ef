"""The signature of each saved investigation, frozen when it is saved.

An outcome recorded later (a verified fix, a click, the resolve modal) is filed under the
signature of the investigation it is about, else the incident's latest investigation; an
incident nobody investigated is filed under its alert names alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.learn.signature import IncidentSignature
from bot.store import Alert, CaseSignature, Database, Investigation


@dataclass(frozen=True)
class Filed:
    """Where an outcome goes: the signature, and the investigation it came from (if any)."""

    signature: IncidentSignature
    investigation_id: int | None
    top_hypothesis: str | None = None
    first_action: str | None = None


def remember(
    db: Database,
    *,
    investigation_id: int,
    signature: IncidentSignature,
    top_hypothesis: str | None,
    first_action: str | None,
) -> None:
    with db.session() as s:
        if s.get(CaseSignature, investigation_id) is None:
            s.add(
                CaseSignature(
                    investigation_id=investigation_id, key=signature.key,
                    incident_class=signature.incident_class,
                    signature=signature.model_dump(mode="json"),
                    top_hypothesis=top_hypothesis, first_action=first_action,
                )
            )  # fmt: skip


def filed_under(
    db: Database, *, investigation_id: int | None = None, incident_id: int | None = None
) -> Filed:
    """The signature an outcome about this investigation (or incident) is filed under."""
    with db.session() as s:
        inv: Investigation | None = None
        if investigation_id is not None:
            inv = s.get(Investigation, investigation_id)
        if inv is None and incident_id is not None:
            inv = s.exec(
                select(Investigation)
                .where(Investigation.incident_id == incident_id)
                .order_by(col(Investigation.id).desc())
            ).first()  # fmt: skip
        if inv is not None and inv.id is not None:
            case = s.get(CaseSignature, inv.id)
            if case is not None:
                sig = IncidentSignature.load(case.signature, case.incident_class)
                return Filed(sig, inv.id, case.top_hypothesis, case.first_action)
            hyps = [h.get("kind") for h in inv.hypotheses if isinstance(h, dict)]
            acts = [a.get("action") for a in inv.actions if isinstance(a, dict)]
            sig = IncidentSignature(incident_class=inv.incident_class or "unknown")
            return Filed(sig, inv.id, hyps[0] if hyps else None, acts[0] if acts else None)
        alerts: list[str] = []
        if incident_id is not None:
            alerts = [a.name for a in s.exec(select(Alert).where(Alert.incident_id == incident_id))]
        return Filed(IncidentSignature(incident_class="unknown", alerts=tuple(alerts)), None)

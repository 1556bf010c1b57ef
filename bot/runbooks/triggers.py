"""Which runbooks an investigation offers: a runbook whose ``triggers`` name the kind of one of
its hypotheses, or a failure signature one of its findings carries (the family, the catalogue
id or the cause kind). The target is the service the match is about; hypotheses are taken in
the investigation's order (most likely first), then findings. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.investigate.models import Finding, InvestigationResult
from bot.remediate.runbooks import Runbook

_SIGNATURE_ATTRS = ("signature", "signature_id", "cause_kind")


@dataclass(frozen=True)
class Offer:
    book: Runbook
    target: str  # the service the trigger matched on
    reason: str  # "hypothesis oom_killed on web", "signature k8s.oom_killed on web"


def _signatures(finding: Finding) -> set[str]:
    return {str(v) for k in _SIGNATURE_ATTRS if (v := finding.get(k))}


def _match(book: Runbook, result: InvestigationResult) -> Offer | None:
    triggers = book.triggers
    if triggers is None:
        return None
    kinds = set(triggers.kinds)
    for h in result.hypotheses:
        if h.kind in kinds and h.service:
            return Offer(book, h.service, f"hypothesis {h.kind} on {h.service}")
    wanted = set(triggers.signatures)
    for f in result.findings:
        hit = sorted(_signatures(f) & wanted)
        if hit and f.service:
            return Offer(book, f.service, f"signature {hit[0]} on {f.service}")
    return None


def offers(result: InvestigationResult, books: Iterable[Runbook]) -> list[Offer]:
    """Every runbook of ``books`` whose trigger matches ``result`` (at most one offer each)."""
    found = [_match(book, result) for book in books]
    return [o for o in found if o is not None]

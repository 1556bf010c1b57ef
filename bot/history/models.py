"""What history hands out: a past incident with its cause and outcomes, and how similar it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Outcome:
    """One remediation tried on a past incident: ``worked`` is True for a verified fix, False
    when it did not recover or was rolled back / failed, None when nobody could tell."""

    action: str
    params: dict[str, str]
    state: str
    worked: bool | None

    @property
    def text(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.action}({args})"


@dataclass(frozen=True)
class PastIncident:
    incident_id: int
    title: str
    status: str
    kind: str  # the root-cause kind its investigation concluded ("" when none)
    platform: str
    service: str | None
    cause: str  # that hypothesis' summary
    created_at: datetime
    resolved_at: datetime | None = None
    note: str | None = None  # the resolution note
    outcomes: tuple[Outcome, ...] = ()
    fixed_notes: tuple[str, ...] = ()  # "this fixed it" feedback comments
    slack_channel: str | None = None
    slack_ts: str | None = None

    @property
    def fixed_by(self) -> list[str]:
        """What fixed it: verified remediations, "this fixed it" comments, the resolution note."""
        out = [o.text for o in self.outcomes if o.worked]
        out += [c for c in self.fixed_notes if c]
        if self.note:
            out.append(self.note)
        return list(dict.fromkeys(out))

    @property
    def did_not_fix(self) -> list[str]:
        return list(dict.fromkeys(o.text for o in self.outcomes if o.worked is False))


@dataclass(frozen=True)
class SimilarIncident:
    past: PastIncident
    score: float  # BM25 score against the current case (higher is closer)
    shared: tuple[str, ...] = field(default=())  # the heaviest terms both have, for "why"

"""``OutcomePublisher``: how the people following a remediation request hear how it ended.

The flows in ``bot.respond.approvals`` decide *what* happened (executed, verified, the incident
mitigated); a publisher only says it somewhere. Slack implements it in the handlers (a reply in
the incident's thread, or under the investigation summary), the terminal prints it, and
``RecordingOutcomes`` keeps everything in memory for tests. ``OutcomeNotice`` says where the
request belongs: its incident (when it has one) and the places its investigation was posted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.incidents.models import IncidentView
from bot.remediate.flows import Outcome
from bot.store import RemediationRequest


@dataclass(frozen=True)
class OutcomeNotice:
    request: RemediationRequest
    incident: IncidentView | None = None
    # where the request's investigation was posted, per channel kind (``{"slack": {...}}``)
    posted: dict[str, Any] = field(default_factory=dict)


class OutcomePublisher(Protocol):
    def outcome(self, notice: OutcomeNotice, outcome: Outcome, *, after_restart: bool) -> None:
        """The request ran (or was settled after a restart): say how it ended."""

    def failed(self, notice: OutcomeNotice, message: str) -> None:
        """Running the request broke before it had an outcome; ``message`` is for people."""

    def incident_changed(self, incident: IncidentView) -> None:
        """An outcome was noted on the incident without a status change: redraw it."""


class NullOutcomes:
    def outcome(self, notice: OutcomeNotice, outcome: Outcome, *, after_restart: bool) -> None:
        return None

    def failed(self, notice: OutcomeNotice, message: str) -> None:
        return None

    def incident_changed(self, incident: IncidentView) -> None:
        return None


@dataclass
class RecordedOutcome:
    kind: str  # outcome | failed | incident_changed
    request_id: int | None
    text: str
    after_restart: bool = False


@dataclass
class RecordingOutcomes:
    """Thread-safe in-memory publisher: one ``RecordedOutcome`` per call."""

    events: list[RecordedOutcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def outcome(self, notice: OutcomeNotice, outcome: Outcome, *, after_restart: bool) -> None:
        with self._lock:
            self.events.append(
                RecordedOutcome("outcome", outcome.request_id, outcome.status, after_restart)
            )

    def failed(self, notice: OutcomeNotice, message: str) -> None:
        with self._lock:
            self.events.append(RecordedOutcome("failed", notice.request.id, message))

    def incident_changed(self, incident: IncidentView) -> None:
        with self._lock:
            self.events.append(RecordedOutcome("incident_changed", None, incident.status))

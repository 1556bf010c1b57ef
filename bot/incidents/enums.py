"""Incident status and timeline event kinds."""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"


#: Allowed transitions (a resolved incident stays resolved; re-firing opens a new one).
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.TRIGGERED: frozenset(
        {
            IncidentStatus.ACKNOWLEDGED,
            IncidentStatus.INVESTIGATING,
            IncidentStatus.MITIGATED,
            IncidentStatus.RESOLVED,
        }
    ),
    IncidentStatus.ACKNOWLEDGED: frozenset(
        {IncidentStatus.INVESTIGATING, IncidentStatus.MITIGATED, IncidentStatus.RESOLVED}
    ),
    IncidentStatus.INVESTIGATING: frozenset({IncidentStatus.MITIGATED, IncidentStatus.RESOLVED}),
    IncidentStatus.MITIGATED: frozenset({IncidentStatus.INVESTIGATING, IncidentStatus.RESOLVED}),
    IncidentStatus.RESOLVED: frozenset(),
}


class TimelineKind(StrEnum):
    STATUS = "status"
    ALERT = "alert"
    CHANGE = "change"
    NOTIFICATION = "notification"
    COMMENT = "comment"
    ACTION = "action"
    MERGE = "merge"
    SPLIT = "split"


SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}

"""Risk levels and request states of remediation."""

from __future__ import annotations

from enum import StrEnum


class Risk(StrEnum):
    READ = "read"  # read-only: runs automatically
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"  # needs a second approver who is not the requester


class State(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PREFLIGHT = "preflight"
    RUNNING = "running"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    UNVERIFIED = "unverified"  # executed, but there was nothing to check it with
    NOT_RECOVERED = "not_recovered"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"


TERMINAL = {
    State.VERIFIED,
    State.UNVERIFIED,
    State.ROLLED_BACK,
    State.FAILED,
    State.REJECTED,
    State.EXPIRED,
}
# States in which the write may have happened: a restart must never run the action again.
MAY_HAVE_EXECUTED = {State.RUNNING, State.VERIFYING, State.NOT_RECOVERED}

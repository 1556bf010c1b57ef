"""Where an outcome came from and what it is about."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Source(StrEnum):
    REMEDIATION = "remediation"  # a remediation's end state
    FEEDBACK = "feedback"  # a click under the investigation summary
    RESOLVE = "resolve"  # "what fixed it" in the resolve modal


class Subject(StrEnum):
    ACTION = "action"  # a registry action
    RUNBOOK = "runbook"
    HYPOTHESIS = "hypothesis"  # a hypothesis kind
    ANALYSIS = "analysis"  # the investigation as a whole (helpful or not, a rating)
    TEXT = "text"  # a free-text fix


class Verdict(IntEnum):
    FAILED = -1  # did not fix it / wrong / not helpful
    NEUTRAL = 0
    WORKED = 1  # fixed it / right / helpful


# remediation end states and what they say about the action
REMEDIATION_VERDICT: dict[str, Verdict] = {
    "verified": Verdict.WORKED,
    "not_recovered": Verdict.FAILED,
    "rolled_back": Verdict.FAILED,
}

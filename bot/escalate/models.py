"""``escalation.yaml``: escalation policies per team, plus the notification rules.

    policies:
      - name: payments
        teams: [payments]
        severities: [critical]        # which incidents page (default: critical only)
        repeat: 1                     # cycles through all levels again if nobody acks
        levels:                       # PagerDuty's model: notify a level, wait, then the next
          - escalate_after: 5m
            targets:
              - {kind: pagerduty_schedule, ref: PABC123}
              - {kind: slack_channel, ref: "#payments-oncall"}
          - escalate_after: 10m
            targets: [{kind: pagerduty_user, ref: PDEF456}, {kind: email, ref: lead@example.com}]
    default_policy: payments          # for incidents whose team has no policy (optional)
    notifications: {rules: [...]}     # see bot.notify.rules

Level 1 is notified when the incident opens; level n+1 ``escalate_after`` of level n later; after
the last level's wait the cycle starts again, ``repeat`` times. An ack stops what is pending.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from bot.configfile import StrictModel
from bot.notify.models import Target
from bot.notify.rules import NotifyConfig

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}


def parse_duration(value: object) -> timedelta:
    """``"5m"`` / ``"90s"`` / ``2h`` / a number of seconds → timedelta; ValueError otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=float(value))
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a duration like 5m, 90s or 2h, got {value!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


class LevelSpec(StrictModel):
    escalate_after: timedelta = Field(default=timedelta(minutes=5))
    targets: list[Target] = Field(min_length=1)

    @field_validator("escalate_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)


class PolicySpec(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    teams: list[str] = Field(default_factory=list)
    severities: list[str] = Field(default_factory=lambda: ["critical"])
    repeat: int = Field(default=0, ge=0, le=10)
    levels: list[LevelSpec] = Field(min_length=1, max_length=10)

    def to_levels_json(self) -> list[dict[str, Any]]:
        """The stored form (``EscalationPolicy.levels``)."""
        return [
            {
                "escalate_after_s": level.escalate_after.total_seconds(),
                "targets": [t.model_dump(mode="json") for t in level.targets],
            }
            for level in self.levels
        ]


class EscalationFile(StrictModel):
    policies: list[PolicySpec] = Field(default_factory=list)
    default_policy: str | None = None
    notifications: NotifyConfig = Field(default_factory=NotifyConfig)

    @model_validator(mode="after")
    def _consistent(self) -> EscalationFile:
        names = [p.name for p in self.policies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"policy names must be unique: {', '.join(dupes)}")
        if self.default_policy and self.default_policy not in names:
            raise ValueError(f"default_policy {self.default_policy!r} is not a policy name")
        teams = [t for p in self.policies for t in p.teams]
        shared = sorted({t for t in teams if teams.count(t) > 1})
        if shared:
            raise ValueError(f"a team can have one policy; listed twice: {', '.join(shared)}")
        return self


def levels_from_json(levels: list[dict[str, Any]]) -> list[LevelSpec]:
    """Read ``EscalationPolicy.levels`` back (rows written by this module or by hand)."""
    return [
        LevelSpec(
            escalate_after=timedelta(seconds=float(raw.get("escalate_after_s", 300))),
            targets=[Target.model_validate(t) for t in raw.get("targets", [])],
        )
        for raw in levels
    ]

"""Who may approve what: read-only runs by itself; a write needs an approver with the role;
high risk needs a second approver who is not the requester. Optional change windows, per-team
rules and auto-approval of low-risk actions per incident class.

``policy.yaml``::

    roles: {low: responder, medium: operator, high: operator}
    approvals: {low: 1, medium: 1, high: 2}
    auto_approve: [{risk: low, incident_classes: [kubernetes_pod_failure]}]
    change_windows: [{risk: high, days: [mon, tue, wed, thu], hours: "09:00-17:00", tz: UTC}]
    teams: {payments: {roles: {medium: payments-operator}}}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.remediate.enums import Risk
from bot.yamlloc import load_yaml

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AutoApprove(_Model):
    risk: Risk = Risk.LOW
    incident_classes: list[str] = Field(default_factory=list)  # empty = any class
    actions: list[str] = Field(default_factory=list)  # empty = any action


class ChangeWindow(_Model):
    risk: Risk
    days: list[str] = Field(default_factory=lambda: list(_DAYS))
    hours: str = "00:00-24:00"
    tz: str = "UTC"

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d.lower()[:3] not in _DAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use mon..sun")
        return [d.lower()[:3] for d in v]

    def allows(self, when: datetime) -> bool:
        local = when.astimezone(ZoneInfo(self.tz))
        if _DAYS[local.weekday()] not in self.days:
            return False
        start_s, end_s = self.hours.split("-")
        start = time.fromisoformat(start_s)
        end = time(23, 59, 59) if end_s == "24:00" else time.fromisoformat(end_s)
        return start <= local.time() <= end


class TeamRules(_Model):
    roles: dict[Risk, str] = Field(default_factory=dict)
    approvals: dict[Risk, int] = Field(default_factory=dict)


class Policy(_Model):
    roles: dict[Risk, str] = Field(
        default_factory=lambda: {
            Risk.LOW: "responder",
            Risk.MEDIUM: "operator",
            Risk.HIGH: "operator",
        }
    )
    approvals: dict[Risk, int] = Field(
        default_factory=lambda: {Risk.READ: 0, Risk.LOW: 1, Risk.MEDIUM: 1, Risk.HIGH: 2}
    )
    auto_approve: list[AutoApprove] = Field(default_factory=list)
    change_windows: list[ChangeWindow] = Field(default_factory=list)
    teams: dict[str, TeamRules] = Field(default_factory=dict)


@dataclass(frozen=True)
class Requirement:
    approvals: int  # 0 = runs without approval
    role: str | None
    auto: bool
    explanation: str


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        data = load_yaml(path.read_text()) or {}
        return Policy.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"policy file {path} not found", hint="fix AIOPS_POLICY_FILE") from None
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[0:3]
        raise ConfigError(f"{path}: invalid policy: {' '.join(first)}") from None


def requirement(
    policy: Policy,
    *,
    action: str,
    risk: Risk,
    incident_class: str | None = None,
    team: str | None = None,
) -> Requirement:
    if risk == Risk.READ:
        return Requirement(0, None, True, "read-only: runs without approval")
    rules = policy.teams.get(team or "", TeamRules())
    role = rules.roles.get(risk) or policy.roles.get(risk)
    count = rules.approvals.get(risk, policy.approvals.get(risk, 1))
    for auto in policy.auto_approve:
        if (
            auto.risk == risk
            and (not auto.incident_classes or incident_class in auto.incident_classes)
            and (not auto.actions or action in auto.actions)
        ):
            return Requirement(0, role, True, f"{risk} risk, auto-approved by policy")
    if risk == Risk.HIGH and count >= 2:
        why = f"high risk: needs {count} approvers with role {role}, one not the requester"
    else:
        why = f"{risk} risk: needs {count} approver(s) with role {role}"
    return Requirement(count, role, False, why)


def window_blocks(policy: Policy, risk: Risk, when: datetime) -> str | None:
    """A reason when a change window forbids running now, else None."""
    windows = [w for w in policy.change_windows if w.risk == risk]
    if windows and not any(w.allows(when) for w in windows):
        spans = "; ".join(f"{','.join(w.days)} {w.hours} {w.tz}" for w in windows)
        return f"outside the change window for {risk} risk ({spans})"
    return None

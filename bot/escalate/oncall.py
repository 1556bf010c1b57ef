"""``/aiops oncall``: who is on call now and the escalation path, as plain data for any renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from bot.errors import NotFound
from bot.escalate.flows import Paging
from bot.escalate.models import levels_from_json
from bot.notify.models import TargetKind
from bot.store import EscalationPolicy, Team
from integrations import pagerduty as pd


@dataclass(frozen=True)
class OnCallTarget:
    kind: str
    ref: str
    who: list[str]  # people behind the target (PagerDuty names), else the ref itself


@dataclass(frozen=True)
class OnCallLevel:
    level: int
    escalate_after_s: float
    targets: list[OnCallTarget]


@dataclass(frozen=True)
class OnCallView:
    team: str | None
    policy: str
    repeat: int
    levels: list[OnCallLevel]
    on_call_now: list[str]
    warnings: list[str] = field(default_factory=list)


def _rest(paging: Paging) -> Any | None:
    channel = paging.notifier.channels.get("pagerduty")
    return getattr(channel, "rest", None)


def _resolve(rest: Any | None, kind: TargetKind, ref: str, warnings: list[str]) -> list[str]:
    if rest is None or kind not in (TargetKind.PAGERDUTY_USER, TargetKind.PAGERDUTY_SCHEDULE):
        return [ref] if ref else [kind.value]
    try:
        if kind is TargetKind.PAGERDUTY_USER:
            return [pd.get_user(rest, ref).name]
        return sorted({o.user.name for o in pd.list_oncalls(rest, schedule_ids=[ref])})
    except pd.PagerDutyError as exc:
        warnings.append(f"could not ask PagerDuty about {ref}: {exc}")
        return [ref]


def who_is_on_call(paging: Paging, *, team: str | None = None) -> OnCallView:
    """The escalation path of ``team`` (or the default policy) with names from PagerDuty."""
    with paging.notifier.db.session() as s:
        policy: EscalationPolicy | None = None
        if team:
            row = s.exec(select(Team).where(Team.name == team)).first()
            if row is None:
                raise NotFound(f"no team named {team!r}")
            if row.escalation_policy_id is not None:
                policy = s.get(EscalationPolicy, row.escalation_policy_id)
        if policy is None and paging.config.default_policy:
            policy = s.exec(
                select(EscalationPolicy).where(
                    EscalationPolicy.name == paging.config.default_policy
                )
            ).first()
    if policy is None:
        raise NotFound(
            f"no escalation policy for {'team ' + team if team else 'incidents without a team'}",
            hint="add one to escalation.yaml (AIOPS_ESCALATION_FILE)",
        )
    rest, warnings = _rest(paging), list[str]()
    levels = [
        OnCallLevel(
            level=n,
            escalate_after_s=spec.escalate_after.total_seconds(),
            targets=[
                OnCallTarget(t.kind.value, t.ref, _resolve(rest, t.kind, t.ref, warnings))
                for t in spec.targets
            ],
        )
        for n, spec in enumerate(levels_from_json(policy.levels), start=1)
    ]
    now = [who for t in levels[0].targets for who in t.who] if levels else []
    return OnCallView(team, policy.name, policy.repeat, levels, now, warnings)

"""Notification rules: which events of which incidents go to which targets.

A rule matches when every non-empty list in ``match`` contains the incident's value (services:
any of the incident's services). All matching rules apply; a target reached by two rules gets one
notification (same dedup key). Rules are structured matchers, never expressions.

    notifications:
      rules:
        - name: critical pages and email
          match: {severity: [critical], event: [incident_opened]}
          targets: [{kind: pagerduty}, {kind: email, ref: oncall@example.com}]
        - name: team channel
          match: {team: [payments]}
          targets: [{kind: slack_channel, ref: "#payments"}]
          rate_limited: true
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from bot.configfile import StrictModel
from bot.notify.models import Event, Target


class RuleMatch(StrictModel):
    severity: list[str] = Field(default_factory=list)
    service: list[str] = Field(default_factory=list)
    team: list[str] = Field(default_factory=list)
    event: list[Event] = Field(default_factory=list)


class NotifyRule(StrictModel):
    name: str
    match: RuleMatch = Field(default_factory=RuleMatch)
    targets: list[Target] = Field(min_length=1)
    rate_limited: bool = True  # alert storms fold; escalation pages are never rate limited


class NotifyConfig(StrictModel):
    rules: list[NotifyRule] = Field(default_factory=list)
    rate_per_hour: int | None = Field(default=None, ge=1)


def matches(
    rule: NotifyRule, *, event: Event, severity: str, services: Iterable[str], team: str | None
) -> bool:
    m = rule.match
    if m.event and event not in m.event:
        return False
    if m.severity and severity not in m.severity:
        return False
    if m.team and team not in m.team:
        return False
    return not (m.service and not set(m.service) & set(services))


def route(
    config: NotifyConfig,
    *,
    event: Event,
    severity: str,
    services: Iterable[str],
    team: str | None,
) -> list[tuple[Target, bool]]:
    """The targets for this event, each once, with whether it is rate limited."""
    services = list(services)
    out: dict[Target, bool] = {}
    for rule in config.rules:
        if matches(rule, event=event, severity=severity, services=services, team=team):
            for target in rule.targets:
                out[target] = out.get(target, True) and rule.rate_limited
    return list(out.items())

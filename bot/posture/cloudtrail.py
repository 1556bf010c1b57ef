"""Root account use seen in CloudTrail: every event of the last ``days`` (``root_use.yaml``)
whose identity is the account's root user, less what the YAML calls benign, grouped by
event name and source IP into high-severity findings with first and last time.

Nothing in the registry fixes root use (it is a person's habit, and the credentials are the
account's own): the finding says what to do instead."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError
from bot.posture.finding import PostureFinding
from bot.posture.iam import Severity
from bot.yamlloc import load_yaml
from integrations.aws.cloudtrail import IdentityEvent, events_by_user

RULES_FILE = Path(__file__).with_name("root_use.yaml")
#: CloudTrail's ``Username`` of events made with the root user's credentials
ROOT_USERNAME = "root"
HOW = "use an IAM role or an IAM Identity Center user, keep root for the few tasks that need it"


class RootUseRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=1, le=90)  # LookupEvents keeps 90 days
    severity: Severity
    benign_event_types: list[str] = Field(default_factory=list)
    benign_when_invoked_by_service: bool = True
    benign_events: list[str] = Field(default_factory=list)

    def benign(self, event: IdentityEvent) -> bool:
        return (
            event.event_type in self.benign_event_types
            or (self.benign_when_invoked_by_service and bool(event.invoked_by))
            or event.event_name in self.benign_events
        )


@lru_cache(maxsize=1)
def root_use_rules() -> RootUseRules:
    try:
        return RootUseRules.model_validate(load_yaml(RULES_FILE.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{RULES_FILE.name}: {exc}") from None


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def root_use(client: Any, now: datetime, rules: RootUseRules | None = None) -> list[PostureFinding]:
    """One finding per (event name, source IP) the root user was seen with, latest first."""
    rules = rules or root_use_rules()
    events = events_by_user(client, ROOT_USERNAME, now - timedelta(days=rules.days), now)
    groups: dict[tuple[str, str], list[IdentityEvent]] = {}
    for event in events:
        if event.identity_type == "Root" and not rules.benign(event):
            groups.setdefault((event.event_name, event.source_ip), []).append(event)
    out = []
    for (name, ip), seen in groups.items():
        last, first = max(e.at for e in seen), min(e.at for e in seen)
        times = f"{len(seen)} times, {_when(first)} to {_when(last)}" if len(seen) > 1 else (
            f"at {_when(last)}")  # fmt: skip
        out.append(
            (last, PostureFinding(
                check="root_account_used",
                resource="iam:root",
                severity=rules.severity,
                summary=f"the root user called {name} from {ip or 'an unknown address'} {times}"
                f"; fix: {HOW}",
                evidence=f"CloudTrail {seen[0].event_source} {name}, event {seen[0].event_id}, "
                f"source IP {ip or '?'}, last {_when(last)}",
            ))
        )  # fmt: skip
    return [f for _, f in sorted(out, key=lambda pair: pair[0], reverse=True)]

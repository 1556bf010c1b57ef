"""One open incident group inside the correlator: its members and the counts (services,
identity tokens, names, environments) that the correlator's indexes are built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from bot.correlate.labels import Token, env_of, identity_tokens
from bot.correlate.models import AlertFacts, AlertRef
from bot.correlate.root import Member
from bot.correlate.storm import StormEvidence

K = TypeVar("K")


@dataclass
class Group:
    key: str
    first_at: datetime
    last_at: datetime
    members: dict[AlertRef, Member] = field(default_factory=dict)
    services: dict[str, int] = field(default_factory=dict)
    tokens: dict[Token, int] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)
    envs: set[str] = field(default_factory=set)
    facts: dict[AlertRef, AlertFacts] = field(default_factory=dict)
    first: dict[str, Member] = field(default_factory=dict)  # each service's first alert
    storm: StormEvidence | None = None  # evidence of a detector storm (see bot.correlate.storm)
    root: AlertRef | None = None
    open: bool = True
    indexed: bool = True

    def count_in(self, member: Member, alert: AlertFacts) -> None:
        """Add ``alert`` as ``member`` and count what the indexes need."""
        self.members[alert.id] = member
        self.facts[alert.id] = alert
        self.first_at = min(self.first_at, alert.at)
        self.last_at = max(self.last_at, alert.at)
        if alert.service:
            _bump(self.services, alert.service, 1)
        for token in identity_tokens(alert.labels):
            _bump(self.tokens, token, 1)
        if not alert.service:
            _bump(self.names, alert.name, 1)
        env = env_of(alert.labels)
        if env:
            self.envs.add(env)

    def count_out(self, alert_id: AlertRef) -> AlertFacts:
        """Remove a member and its counts; returns its facts."""
        member = self.members.pop(alert_id)
        facts = self.facts.pop(alert_id)
        if member.service:
            _bump(self.services, member.service, -1)
        for token in identity_tokens(facts.labels):
            _bump(self.tokens, token, -1)
        if not facts.service:
            _bump(self.names, facts.name, -1)
        self.envs = {e for f in self.facts.values() if (e := env_of(f.labels))}
        return facts


def _bump(counts: dict[K, int], key: K, by: int) -> None:
    left = counts.get(key, 0) + by
    if left:
        counts[key] = left
    else:
        counts.pop(key, None)

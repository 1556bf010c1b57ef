"""Which open groups can take an alert: open groups indexed by service, identity label token
and (for alerts naming no service) alert name, so placing one alert looks at its candidates
only, whatever the number of open groups. A dormant or closed group is not indexed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.correlate.group import Group
from bot.correlate.labels import Token, identity_tokens
from bot.correlate.models import AlertFacts


class GroupIndex:
    def __init__(self) -> None:
        self.by_service: dict[str, set[str]] = {}
        self.by_token: dict[Token, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}

    def add_alert(self, g: Group, alert: AlertFacts) -> None:
        """``alert`` joined ``g`` (already indexed): index what it adds."""
        if alert.service:
            self.by_service.setdefault(alert.service, set()).add(g.key)
        for t in identity_tokens(alert.labels):
            self.by_token.setdefault(t, set()).add(g.key)
        if not alert.service:
            self.by_name.setdefault(alert.name, set()).add(g.key)

    def remove(self, g: Group) -> None:
        if not g.indexed:
            return
        pairs: list[tuple[dict[Any, set[str]], Iterable[Any]]] = [
            (self.by_service, g.services),
            (self.by_token, g.tokens),
            (self.by_name, g.names),
        ]
        for index, keys in pairs:
            for k in keys:
                bucket = index.get(k)
                if bucket is not None:
                    bucket.discard(g.key)
                    if not bucket:
                        del index[k]
        g.indexed = False

    def rebuild(self, g: Group) -> None:
        """Index ``g`` from its members again (after a merge, split, take or reopen)."""
        if g.indexed:
            self.remove(g)
        if not g.open or not g.members:
            return
        for s in g.services:
            self.by_service.setdefault(s, set()).add(g.key)
        for t in g.tokens:
            self.by_token.setdefault(t, set()).add(g.key)
        for n in g.names:
            self.by_name.setdefault(n, set()).add(g.key)
        g.indexed = True

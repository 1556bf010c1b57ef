"""Which team owns an alert, and where its incident goes: decided once, at ingest.

``Router.route(service, labels)`` reads ``services.yaml`` first (the service's entry), then the
alert's own ``team`` / ``owner`` label when it names a known team, and falls back to the default
team. A service nobody owns is reported once per process (``first_unknown``), not once per alert.
The team's row id is looked up (or created) inside the grouping transaction, so the incident is
written with its team, channel, escalation policy and automatic-investigation policy name.

With no ``services.yaml`` the router is off: incidents carry no team, as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from bot.store.models import Team
from bot.teams.config import ServicesFile

log = logging.getLogger(__name__)

TEAM_LABELS = ("team", "owner")
_TEAMS = Team.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Route:
    team: str
    channel: str | None
    escalation: str | None
    auto_investigate: str | None
    known: bool  # False: nobody owns the service, the default team took it
    why: str  # "services.yaml", "label team=…", "default team"


class Router:
    def __init__(self, config: ServicesFile | None = None) -> None:
        self.config = config
        self._reported: set[str] = set()
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def route(self, service: str | None, labels: Mapping[str, str]) -> Route | None:
        """The route of an alert; None when no ``services.yaml`` is configured."""
        cfg = self.config
        if cfg is None:
            return None
        owner = cfg.services.get(service) if service else None
        if owner is not None:
            team = cfg.teams.get(owner.team)
            return Route(
                owner.team,
                owner.channel or (team.channel if team else None) or cfg.default_channel,
                owner.escalation or (team.escalation if team else None),
                owner.auto_investigate or (team.auto_investigate if team else None),
                True,
                "services.yaml",
            )
        for key in TEAM_LABELS:
            named = labels.get(key)
            if named and (named in cfg.teams or named == cfg.default_team):
                return self._team_route(named, True, f"label {key}={named}")
        return self._team_route(cfg.default_team, False, "default team")

    def _team_route(self, name: str, known: bool, why: str) -> Route:
        assert self.config is not None
        team = self.config.teams.get(name)
        channel = (team.channel if team else None) or self.config.default_channel
        return Route(
            name, channel, team.escalation if team else None,
            team.auto_investigate if team else None, known, why,
        )  # fmt: skip

    def first_unknown(self, service: str | None) -> bool:
        """True the first time this process sees ``service`` without an owner."""
        key = service or "(no service)"
        with self._lock:
            if key in self._reported:
                return False
            self._reported.add(key)
        log.warning("service %s has no owner in services.yaml: routed to the default team", key)
        return True

    def team_id(self, conn: Connection, name: str) -> int:
        """The ``Team`` row of ``name``, created when missing (inside the caller's transaction)."""
        with self._lock:
            if name in self._ids:
                return self._ids[name]
        found = conn.execute(select(_TEAMS.c.id).where(_TEAMS.c.name == name)).scalar()
        if found is None:
            channel = None
            if self.config is not None and name in self.config.teams:
                channel = self.config.teams[name].channel
            found = conn.execute(
                insert(_TEAMS).values(name=name, slack_channel=channel).returning(_TEAMS.c.id)
            ).scalar_one()
            return int(found)  # cached once the transaction is known to have committed
        with self._lock:
            self._ids[name] = int(found)
        return int(found)

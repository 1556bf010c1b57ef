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
from sqlmodel import select as sql_select

from bot.store import Database, EscalationPolicy
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


def sync_teams(db: Database, config: ServicesFile) -> list[str]:
    """A ``Team`` row per team of ``services.yaml`` with its channel and escalation policy (by
    name, from the policies escalation.yaml synced), so on-call and rules read the same team.
    Returns the policy names the file mentions that do not exist (reported by the caller)."""
    missing: list[str] = []
    with db.session() as s:
        policies = {p.name: p.id for p in s.exec(sql_select(EscalationPolicy))}
        for name in config.team_names():
            row = s.exec(sql_select(Team).where(Team.name == name)).first() or Team(name=name)
            route = config.teams.get(name)
            if route is not None and route.channel:
                row.slack_channel = route.channel
            if route is not None and route.escalation:
                if route.escalation in policies:
                    row.escalation_policy_id = policies[route.escalation]
                else:
                    missing.append(route.escalation)
            s.add(row)
    named = {o.escalation for o in config.services.values() if o.escalation}
    missing += sorted(n for n in named if n not in policies)
    for name in missing:
        log.warning("services.yaml names escalation policy %s, which escalation.yaml lacks", name)
    return missing

"""``services.yaml`` (who owns each service, where its incidents go) and ``teams.yaml`` (who is
in each team, with which role), validated into models; every problem is one ``UserError``
naming the file and the key.

``services.yaml``::

    default_team: platform                # unknown services go here (reported once each)
    default_channel: "#incidents"         # optional: the team channel when a team names none
    teams:
      payments: {channel: "#payments-incidents", escalation: payments,
                 auto_investigate: critical-now}
    services:
      checkout: {team: payments}
      ledger: {team: payments, channel: "#ledger", escalation: ledger-night}

``teams.yaml``::

    teams:
      payments:
        members: {U0PAY0001: owner, U0PAY0002: operator}
        groups: {S0PAYOPS: operator}       # Slack user groups
        grants: {platform: viewer}         # payments members also see platform's incidents
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from bot.configfile import StrictModel, load_yaml_mapping, read_text, validate_model

_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_GROUP = re.compile(r"^S[A-Z0-9]{2,20}$")
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Role(StrEnum):
    """Team roles, each including the ones before it."""

    VIEWER = "viewer"  # see
    OPERATOR = "operator"  # ack, investigate, approve write actions, run runbooks
    ADMIN = "admin"  # edit runbooks, policies and escalation
    OWNER = "owner"  # members

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank

    def implied(self) -> list[str]:
        """This role and every role it includes (what the remediation policy compares)."""
        return [r.value for r in Role if self.includes(r)]


def _team_name(value: str) -> str:
    if not _TEAM.match(value):
        raise ValueError(f"{value!r} is not a team name (lower-case letters, digits, - and _)")
    return value


class TeamRoute(StrictModel):
    """Where a team's incidents go."""

    channel: str | None = None
    escalation: str | None = None  # a policy name in escalation.yaml
    auto_investigate: str | None = None  # a policy name, resolved by the responder


class ServiceOwner(StrictModel):
    """One service: its team, and where its incidents go when not the team's defaults."""

    team: str
    channel: str | None = None
    escalation: str | None = None
    auto_investigate: str | None = None

    @field_validator("team")
    @classmethod
    def _team(cls, v: str) -> str:
        return _team_name(v)


class ServicesFile(StrictModel):
    default_team: str = "default"
    default_channel: str | None = None
    teams: dict[str, TeamRoute] = Field(default_factory=dict)
    services: dict[str, ServiceOwner] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_teams(self) -> ServicesFile:
        _team_name(self.default_team)
        for name in self.teams:
            _team_name(name)
        known = {*self.teams, self.default_team}
        for service, owner in self.services.items():
            if owner.team not in known:
                raise ValueError(
                    f"services.{service}.team: {owner.team!r} is not under teams "
                    f"(known: {', '.join(sorted(known))})"
                )
        return self

    def team_names(self) -> list[str]:
        return sorted({self.default_team, *self.teams})


class TeamMembers(StrictModel):
    members: dict[str, Role] = Field(default_factory=dict)  # Slack user id -> role
    groups: dict[str, Role] = Field(default_factory=dict)  # Slack user group id -> role
    grants: dict[str, Role] = Field(default_factory=dict)  # other team -> role there

    @field_validator("members")
    @classmethod
    def _users(cls, v: dict[str, Role]) -> dict[str, Role]:
        bad = [u for u in v if not _USER.match(u)]
        if bad:
            raise ValueError(f"not Slack user ids (such as U012AB3CD): {', '.join(bad)}")
        return v

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: dict[str, Role]) -> dict[str, Role]:
        bad = [g for g in v if not _GROUP.match(g)]
        if bad:
            raise ValueError(f"not Slack user group ids (such as S012AB3CD): {', '.join(bad)}")
        return v


class TeamsFile(StrictModel):
    teams: dict[str, TeamMembers] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _grants_name_teams(self) -> TeamsFile:
        for name, team in self.teams.items():
            _team_name(name)
            for other in team.grants:
                if other not in self.teams and not _TEAM.match(other):
                    raise ValueError(f"teams.{name}.grants: {other!r} is not a team name")
        return self


def _parse(text: str, source: str, model: type[StrictModel]) -> Any:
    raw = load_yaml_mapping(text, source=source, expected="a mapping at the top")
    return validate_model(model, raw, source=source)


def parse_services(text: str, *, source: str = "services.yaml") -> ServicesFile:
    result: ServicesFile = _parse(text, source, ServicesFile)
    return result


def parse_teams(text: str, *, source: str = "teams.yaml") -> TeamsFile:
    result: TeamsFile = _parse(text, source, TeamsFile)
    return result


def _read(path: Path, setting: str) -> str:
    return read_text(
        path,
        what=f"{path.stem} file",
        hint=f"check {setting}; examples/config/{path.name} is a commented example",
    )


def load_services(path: Path | None) -> ServicesFile | None:
    """The file at ``path``, or None: no services file means no routing (as before)."""
    if path is None:
        return None
    return parse_services(_read(path, "AIOPS_SERVICES_FILE"), source=str(path))


def load_teams(path: Path | None) -> TeamsFile | None:
    """The file at ``path``, or None: no teams file means no team isolation (as before)."""
    if path is None:
        return None
    return parse_teams(_read(path, "AIOPS_TEAMS_FILE"), source=str(path))

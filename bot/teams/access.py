"""The one gate every door passes: may this user do this to this thing?

``Gate.check(user, permission, target)`` finds the team that owns the target (an incident, a
remediation request, an investigation; a request's or investigation's team is its incident's),
then decides with the user's ``TeamScope``:

* the target does not exist, or belongs to a team the user does not see → ``NotFound`` with the
  very message a missing one gets (no data, not even that it exists);
* the user sees it but their role is too low → ``Forbidden`` naming the role needed;
* else the scope is returned, for the caller to filter what it lists.

Every decision is written to the audit log (``Recorder``: the tamper-evident chain in
``bot.remediate.audit``, injected so this package stays below it). With isolation off (no
``teams.yaml``) the gate lets everyone through as before and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import col, select

from bot.errors import Forbidden, NotFound
from bot.store import Database, Incident, Investigation, RemediationRequest
from bot.teams.config import Role
from bot.teams.directory import Directory
from bot.teams.scope import TeamScope


class Permission(StrEnum):
    SEE = "see"
    ACK = "ack"
    INVESTIGATE = "investigate"
    RESOLVE = "resolve"
    ASSIGN = "assign"
    SNOOZE = "snooze"
    FEEDBACK = "feedback"
    APPROVE = "approve"
    REJECT = "reject"
    RUN_RUNBOOK = "run_runbook"
    EDIT = "edit"  # runbooks, policies, escalation
    MEMBERS = "members"


NEEDS: dict[Permission, Role] = {
    Permission.SEE: Role.VIEWER,
    Permission.FEEDBACK: Role.VIEWER,
    Permission.ACK: Role.OPERATOR,
    Permission.INVESTIGATE: Role.OPERATOR,
    Permission.RESOLVE: Role.OPERATOR,
    Permission.ASSIGN: Role.OPERATOR,
    Permission.SNOOZE: Role.OPERATOR,
    Permission.APPROVE: Role.OPERATOR,
    Permission.REJECT: Role.OPERATOR,
    Permission.RUN_RUNBOOK: Role.OPERATOR,
    Permission.EDIT: Role.ADMIN,
    Permission.MEMBERS: Role.OWNER,
}


class Recorder(Protocol):
    def __call__(
        self,
        db: Database,
        *,
        actor: str,
        action: str,
        target: str = "",
        params: dict[str, Any] | None = None,
        result: str = "",
        detail: str = "",
    ) -> Any: ...


@dataclass(frozen=True)
class Target:
    """What a request names; at most one field is set (none: the action names no team's
    thing, such as a list, and needs the role in at least one team)."""

    incident_id: int | None = None
    request_id: int | None = None
    investigation_id: int | None = None
    team: str | None = None

    def label(self) -> str:
        named = (
            ("incident", self.incident_id),
            ("request", self.request_id),
            ("investigation", self.investigation_id),
            ("team", self.team),
        )
        for kind, value in named:
            if value is not None:
                return f"{kind}:{value}"
        return ""


NOWHERE = Target()


@dataclass(frozen=True)
class _Owner:
    found: bool
    team_id: int | None
    missing: str  # the message a missing target gets
    requester: str | None = None
    adhoc: bool = False  # a request or investigation outside any incident


class Gate:
    def __init__(self, db: Database, directory: Directory, record: Recorder | None = None) -> None:
        self.db = db
        self.directory = directory
        self.record = record

    @property
    def isolated(self) -> bool:
        return self.directory.isolated

    def scope(self, user: str) -> TeamScope:
        return self.directory.scope(user)

    def check(self, user: str, permission: Permission, target: Target = NOWHERE) -> TeamScope:
        scope = self.directory.scope(user)
        if not self.isolated:
            return scope
        need = NEEDS[permission]
        owner = self._owner(target, scope)
        team_id = owner.team_id
        own = owner.found and owner.adhoc and owner.requester == user
        if target == NOWHERE or own:  # nothing of a team's, or the user's own ad-hoc request
            best = scope.best_role()
            allowed, have = best is not None and best.includes(need), best
        else:
            if not owner.found or not scope.sees(team_id):
                self._audit(user, permission, target, "not_found", "not visible to the user")
                raise NotFound(owner.missing)
            have = scope.role_in(team_id)
            allowed = have is not None and have.includes(need)
        where = "any team" if target == NOWHERE or own else target.team or scope.team_name(team_id)
        if not allowed:
            self._audit(user, permission, target, "refused", f"needs {need} in {where}")
            yours = f"you are {have}" if have else "you are in no team that may"
            raise Forbidden(
                f"{permission.value.replace('_', ' ').capitalize()} needs the role `{need}` in "
                f"{where} ({yours}).",
                hint="a team owner can add you with `/aiops team add @you <team> <role>`",
            )
        self._audit(user, permission, target, "allowed", f"{have} in {where}")
        return scope

    def visible_requests(
        self, user: str, requests: list[RemediationRequest]
    ) -> list[RemediationRequest]:
        """The requests whose incident's team the user sees (all with isolation off)."""
        if not self.isolated:
            return requests
        scope = self.directory.scope(user)
        ids = {r.incident_id for r in requests if r.incident_id is not None}
        with self.db.session() as s:
            teams = {
                i.id: i.team_id
                for i in s.exec(select(Incident).where(col(Incident.id).in_(sorted(ids))))
            }
        return [r for r in requests if scope.sees(teams.get(r.incident_id))]

    def approver_roles(self, user: str, request_id: int) -> list[str] | None:
        """With isolation on: the policy roles the user holds in the request's team (plus their
        plain member roles); None when off (the ``Member`` rows decide, as before)."""
        if not self.isolated:
            return None
        scope = self.directory.scope(user)
        owner = self._owner(Target(request_id=request_id), scope)
        plain = self.directory.plain_roles(user)
        return sorted({*plain, *(policy_roles(scope, owner.team_id) if owner.found else [])})

    def _owner(self, target: Target, scope: TeamScope) -> _Owner:
        """Who owns ``target``: its team, and for a request or investigation outside any
        incident (``adhoc``, such as ``/aiops investigate "…"``) who asked for it."""
        with self.db.session() as s:
            if target.team is not None:
                ids = {n: i for i, n in scope.names.items()}
                return _Owner(target.team in ids, ids.get(target.team), f"no team {target.team}")
            incident_id, requester = target.incident_id, None
            missing = f"no incident #{incident_id}"
            if target.request_id is not None:
                missing = f"remediation request {target.request_id} does not exist"
                req = s.get(RemediationRequest, target.request_id)
                if req is None:
                    return _Owner(False, None, missing)
                incident_id, requester = req.incident_id, req.requested_by
            elif target.investigation_id is not None:
                missing = f"investigation {target.investigation_id} does not exist"
                inv = s.get(Investigation, target.investigation_id)
                if inv is None:
                    return _Owner(False, None, missing)
                incident_id, requester = inv.incident_id, inv.requested_by
            if incident_id is None:  # outside any incident: the default team's, and the asker's
                return _Owner(target != NOWHERE, None, missing, requester, adhoc=True)
            incident = s.get(Incident, incident_id)
            if incident is None:
                return _Owner(False, None, missing)
            return _Owner(True, incident.team_id, missing, requester)

    def _audit(self, user: str, permission: Permission, target: Target, result: str,
               detail: str) -> None:  # fmt: skip
        if self.record is not None:
            self.record(
                self.db, actor=user, action="authorize", target=target.label(),
                params={"permission": permission.value}, result=result, detail=detail,
            )  # fmt: skip


def policy_roles(scope: TeamScope, team_id: int | None) -> list[str]:
    """The roles the remediation policy compares, from the user's role in the owning team:
    an operator there may approve write actions (``responder`` is the policy's default role for
    low-risk writes)."""
    role = scope.role_in(team_id)
    if role is None:
        return []
    names = role.implied()
    return [*names, "responder"] if role.includes(Role.OPERATOR) else names

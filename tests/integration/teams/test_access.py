"""The gate and the scopes on SQLite and Postgres: roles from teams.yaml, Slack user groups,
TEAM:ROLE member rows and explicit grants; another team's thing is not found; every decision is
audited; with no teams.yaml nothing changes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sqlmodel import col, select

from bot.errors import Forbidden, NotFound
from bot.remediate import audit
from bot.store import AuditEntry, Database, Incident, Investigation, RemediationRequest, Team
from bot.teams.access import NOWHERE, Gate, Permission, Target
from bot.teams.config import Role, parse_teams
from bot.teams.directory import Directory, ensure_teams
from bot.teams.members import add_member
from bot.teams.scope import TeamScope

TEAMS = """
teams:
  payments:
    members: {UPAYVIEW: viewer, UPAYOPS1: operator, UPAYOWN1: owner}
    groups: {SPAYONCALL: admin}
  platform:
    members: {UPLATOPS: operator}
    grants: {payments: viewer}
"""


def _groups() -> Mapping[str, frozenset[str]]:
    return {"SPAYONCALL": frozenset({"UGROUPED"})}


@pytest.fixture
def gate(database: Database) -> Gate:
    ensure_teams(database, ["payments", "platform", "search"])
    directory = Directory(database, parse_teams(TEAMS), default_team="platform", groups=_groups)
    return Gate(database, directory, audit.append)


def _incident(db: Database, team: str | None, title: str) -> int:
    with db.session() as s:
        team_id = s.exec(select(Team.id).where(Team.name == team)).first() if team else None
        row = Incident(title=title, team_id=team_id)
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def test_roles_come_from_members_groups_rows_and_grants(gate: Gate, database: Database) -> None:
    d = gate.directory
    assert d.roles_by_name("UPAYOPS1") == {"payments": Role.OPERATOR}
    assert d.roles_by_name("UGROUPED") == {"payments": Role.ADMIN}
    assert d.roles_by_name("UPLATOPS") == {"platform": Role.OPERATOR, "payments": Role.VIEWER}
    add_member(database, "UPAYVIEW", ["payments:operator", "search:viewer", "responder"])
    assert d.roles_by_name("UPAYVIEW") == {"payments": Role.OPERATOR, "search": Role.VIEWER}
    assert d.plain_roles("UPAYVIEW") == ["responder"]
    assert d.roles_by_name("UNOBODY1") == {}


def test_another_teams_incident_request_and_investigation_are_not_found(
    gate: Gate, database: Database
) -> None:
    search = _incident(database, "search", "search is down")
    with database.session() as s:
        inv = Investigation(incident_id=search, query="why")
        req = RemediationRequest(action="k8s.restart", params={}, risk="low", requested_by="U1",
                                 incident_id=search, idempotency_key="k1")  # fmt: skip
        s.add(inv)
        s.add(req)
        s.flush()
        inv_id, req_id = inv.id, req.id
    cases = [
        (Target(incident_id=search), f"no incident #{search}"),
        (Target(request_id=req_id), f"remediation request {req_id} does not"),
        (Target(investigation_id=inv_id), f"investigation {inv_id} does not"),
    ]
    for target, words in cases:
        with pytest.raises(NotFound, match=words):
            gate.check("UPAYOPS1", Permission.SEE, target)
    with pytest.raises(NotFound, match="no incident #999999"):  # the same words as missing
        gate.check("UPAYOPS1", Permission.SEE, Target(incident_id=999999))


def test_roles_are_ranked_and_a_grant_is_read_only(gate: Gate, database: Database) -> None:
    pay = _incident(database, "payments", "checkout errors")
    assert gate.check("UPAYVIEW", Permission.SEE, Target(incident_id=pay))
    with pytest.raises(Forbidden, match=r"needs the role `operator` in payments \(you are viewer"):
        gate.check("UPAYVIEW", Permission.ACK, Target(incident_id=pay))
    gate.check("UGROUPED", Permission.EDIT, Target(incident_id=pay))  # admin through the group
    gate.check("UPLATOPS", Permission.SEE, Target(incident_id=pay))  # granted: viewer
    with pytest.raises(Forbidden, match="`operator` in payments"):
        gate.check("UPLATOPS", Permission.ACK, Target(incident_id=pay))
    with pytest.raises(Forbidden, match="`owner` in payments"):
        gate.check("UPAYOPS1", Permission.MEMBERS, Target(team="payments"))
    gate.check("UPAYOWN1", Permission.MEMBERS, Target(team="payments"))
    with pytest.raises(Forbidden, match="`viewer` in any team"):
        gate.check("UNOBODY1", Permission.SEE, NOWHERE)


def test_incidents_without_a_team_belong_to_the_default_team(
    gate: Gate, database: Database
) -> None:
    old = _incident(database, None, "from before teams")
    gate.check("UPLATOPS", Permission.ACK, Target(incident_id=old))
    with pytest.raises(NotFound):
        gate.check("UPAYOPS1", Permission.SEE, Target(incident_id=old))


def test_a_scope_filters_a_list_query_to_the_teams_seen(gate: Gate, database: Database) -> None:
    ids = {name: _incident(database, name, f"{name} incident")
           for name in ("payments", "platform", "search")}  # fmt: skip
    ids["none"] = _incident(database, None, "no team")

    def listed(scope: TeamScope) -> set[int]:
        with database.session() as s:
            rows = s.exec(select(Incident.id).where(scope.incident_filter()))
            return {i for i in rows if i is not None}

    assert listed(gate.scope("UPAYOPS1")) == {ids["payments"]}
    assert listed(gate.scope("UPLATOPS")) == {ids["payments"], ids["platform"], ids["none"]}
    assert listed(gate.scope("UNOBODY1")) == set()
    assert listed(TeamScope.unrestricted("U1")) == set(ids.values())


def test_every_decision_is_audited_with_its_result(gate: Gate, database: Database) -> None:
    pay = _incident(database, "payments", "checkout errors")
    gate.check("UPAYOPS1", Permission.ACK, Target(incident_id=pay))
    with pytest.raises(Forbidden):
        gate.check("UPAYVIEW", Permission.ACK, Target(incident_id=pay))
    with pytest.raises(NotFound):
        gate.check("UNOBODY1", Permission.SEE, Target(incident_id=pay))
    with database.session() as s:
        rows = list(s.exec(select(AuditEntry).order_by(col(AuditEntry.id))))
    got = [(r.actor, r.action, r.target, r.result, r.params["permission"]) for r in rows]
    assert got == [
        ("UPAYOPS1", "authorize", f"incident:{pay}", "allowed", "ack"),
        ("UPAYVIEW", "authorize", f"incident:{pay}", "refused", "ack"),
        ("UNOBODY1", "authorize", f"incident:{pay}", "not_found", "see"),
    ]
    assert audit.verify_chain(database).ok


def test_without_teams_yaml_everyone_passes_and_nothing_is_recorded(database: Database) -> None:
    gate = Gate(database, Directory(database, None), audit.append)
    pay = _incident(database, None, "anything")
    scope = gate.check("UANYONE1", Permission.RESOLVE, Target(incident_id=pay))
    assert scope.everything and gate.approver_roles("UANYONE1", 1) is None
    with database.session() as s:
        assert s.exec(select(AuditEntry)).first() is None


def test_an_adhoc_investigation_is_its_askers_and_the_default_teams(
    gate: Gate, database: Database
) -> None:
    with database.session() as s:
        inv = Investigation(incident_id=None, query="why is checkout slow", requested_by="UPAYOPS1")
        s.add(inv)
        s.flush()
        target = Target(investigation_id=inv.id)
    gate.check("UPAYOPS1", Permission.FEEDBACK, target)  # the asker, not in the default team
    gate.check("UPLATOPS", Permission.FEEDBACK, target)  # the default team (platform)
    with pytest.raises(NotFound, match="investigation .* does not exist"):
        gate.check("UPAYVIEW", Permission.FEEDBACK, target)

"""A person's home (``bot.respond.home``) on SQLite and Postgres: their team's open incidents
only, the approvals they can give under the policy, who is on call for their team (the
escalation file), and their team's MTTA / MTTR this week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.clock import SandboxClock
from bot.config import load_settings
from bot.errors import UserError
from bot.escalate.config import parse_escalation
from bot.escalate.setup import build_paging
from bot.incidents.flows import IncidentFlows
from bot.remediate import service as remediate_service
from bot.remediate.registry import all_actions
from bot.respond.approvals import Desk
from bot.respond.home import DEFAULT_TEAM, home_for, week_start
from bot.store import Database, Incident, Member, Team

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # a Thursday
PAYER, RESPONDER, OPERATOR, NOBODY = "UPAY00001", "URESP0001", "UOPER0001", "UNONE0001"
ESCALATION = """
policies:
  - name: payments
    teams: [payments]
    levels: [{escalate_after: 5m, targets: [{kind: slack_user, ref: UPAYONCALL}]}]
  - name: platform
    levels: [{escalate_after: 5m, targets: [{kind: slack_user, ref: UPLATONCALL}]}]
default_policy: platform
"""


def _action(risk: str) -> tuple[str, dict[str, str]]:
    """A registry action of ``risk`` whose required parameters take a name."""
    for spec in all_actions():
        params = {k: "x" for k, f in spec.params.model_fields.items() if f.is_required()}
        if spec.risk == risk:
            try:
                spec.validate(params)
            except UserError:
                continue
            return spec.name, params
    raise AssertionError(f"no {risk}-risk action takes plain names")


def _incident(
    db: Database,
    title: str,
    team_id: int | None,
    created: datetime,
    status: str = "triggered",
    acknowledged_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> int:
    with db.session() as s:
        row = Incident(
            title=title, severity="critical", team_id=team_id, created_at=created, status=status,
            acknowledged_at=acknowledged_at, resolved_at=resolved_at,
        )  # fmt: skip
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def test_home_shows_my_team_my_approvals_my_rotation_and_my_week(database: Database) -> None:
    clock = SandboxClock(NOW)
    paging = build_paging(
        load_settings(), database, clock=clock, config=parse_escalation(ESCALATION)
    )
    with database.session() as s:
        payments = s.exec(select(Team).where(Team.name == "payments")).one()
        s.add(Member(slack_user_id=PAYER, team_id=payments.id, roles=["operator"]))
        s.add(Member(slack_user_id=RESPONDER, roles=["responder"]))
        s.add(Member(slack_user_id=OPERATOR, roles=["operator", "responder"]))
    team_id = payments.id
    pay_open = _incident(database, "payments down", team_id, NOW - timedelta(hours=1))
    open_default = _incident(database, "web slow", None, NOW - timedelta(hours=2))
    _incident(
        database, "web down", None, NOW - timedelta(days=1), status="resolved",
        acknowledged_at=NOW - timedelta(days=1) + timedelta(minutes=4),
        resolved_at=NOW - timedelta(days=1) + timedelta(minutes=30),
    )  # fmt: skip
    _incident(database, "last week", None, week_start(NOW) - timedelta(hours=1),
              acknowledged_at=week_start(NOW), resolved_at=week_start(NOW),
              status="resolved")  # fmt: skip
    desk = Desk(db=database, clock=clock, flows=IncidentFlows(database, clock=clock))

    def propose(risk: str, incident_id: int, by: str) -> int:
        action, params = _action(risk)
        proposal = remediate_service.propose(
            database, action=action, params=params, requested_by=by, policy=desk.policy,
            incident_id=incident_id, clock=clock,
        )  # fmt: skip
        assert proposal.request.id is not None
        return proposal.request.id

    low_default = propose("low", open_default, RESPONDER)
    high_default = propose("high", open_default, OPERATOR)
    medium_pay = propose("medium", pay_open, PAYER)

    payer = home_for(desk, PAYER, ["operator"], paging=paging)
    assert [t.name for t in payer.teams] == ["payments"]
    assert [i.id for i in payer.incidents] == [pay_open]  # not the default team's
    assert [r.id for r in payer.approvals] == [medium_pay]
    assert [(o.team, o.policy, o.who) for o in payer.oncall] == [
        ("payments", "payments", ["UPAYONCALL"])
    ]
    (week,) = payer.weeks
    assert (week.opened, week.mtta, week.mttr) == (1, None, None)

    responder = home_for(desk, RESPONDER, ["responder"], paging=paging)
    assert [t.name for t in responder.teams] == [DEFAULT_TEAM]
    assert [i.id for i in responder.incidents] == [open_default]
    assert [r.id for r in responder.approvals] == [low_default]  # low: the responder's role
    assert [(o.policy, o.who) for o in responder.oncall] == [("platform", ["UPLATONCALL"])]
    (week,) = responder.weeks
    assert week.opened == 2 and (week.acknowledged, week.resolved) == (1, 1)  # not last week's
    assert (week.mtta, week.mttr) == (timedelta(minutes=4), timedelta(minutes=30))

    operator = home_for(desk, OPERATOR, ["operator", "responder"], paging=paging)
    assert high_default not in [r.id for r in operator.approvals]  # their own high-risk request
    assert low_default in [r.id for r in operator.approvals]
    remediate_service.approve(database, request_id=low_default, user=OPERATOR,
                              roles=["responder"], policy=desk.policy, clock=clock)  # fmt: skip
    again = home_for(desk, OPERATOR, ["operator", "responder"], paging=paging)
    assert low_default not in [r.id for r in again.approvals]  # approved: nothing left to give

    nobody = home_for(desk, NOBODY, [], paging=None)
    assert nobody.approvals == [] and nobody.oncall == []  # no role; no paging configured
    assert [i.id for i in nobody.incidents] == [open_default]

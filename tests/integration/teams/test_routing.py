"""Each alert's team is resolved at ingest and stored on its incident (SQLite and Postgres):
services.yaml first, then the alert's ``team`` / ``owner`` label, then the default team; an
unowned service is noted once, on the first incident it opens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.clock import SandboxClock
from bot.escalate import service as escalation
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import RecordingPublisher
from bot.ingest.models import AlertIn
from bot.store import Database, EscalationPolicy, Incident, Team, TimelineEvent
from bot.teams.config import parse_services
from bot.teams.routing import Router, sync_teams
from bot.topology import Topology

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
SERVICES = """
default_team: platform
default_channel: "#incidents"
teams:
  payments: {channel: "#payments-incidents", escalation: payments-pager,
             auto_investigate: critical-now}
  search: {channel: "#search-incidents", escalation: search-pager}
services:
  checkout: {team: payments}
  ledger: {team: payments, channel: "#ledger", escalation: ledger-night}
  indexer: {team: search}
"""
TOPO = Topology({s: [] for s in ("checkout", "ledger", "indexer", "mystery", "tagged")})


def _alert(service: str, n: int = 0, **labels: str) -> AlertIn:
    return AlertIn(
        source="generic", fingerprint=f"{service}-{n}", name=f"{service} errors", service=service,
        severity="critical", labels=labels,
    )  # fmt: skip


def _flows(db: Database, router: Router) -> tuple[IncidentFlows, RecordingPublisher]:
    pub = RecordingPublisher()
    return IncidentFlows(db, clock=SandboxClock(T0), topology=TOPO, publisher=pub,
                         router=router), pub  # fmt: skip


def _incident(db: Database, incident_id: int | None) -> tuple[Incident, str | None]:
    assert incident_id is not None
    with db.session() as s:
        row = s.get(Incident, incident_id)
        assert row is not None
        view_team = None
        if row.team_id is not None:
            team = s.get(Team, row.team_id)
            view_team = team.name if team else None
        return row, view_team


def test_alerts_are_routed_to_their_owning_team_channel_and_escalation(database: Database) -> None:
    flows, pub = _flows(database, Router(parse_services(SERVICES)))
    out = flows.group_alerts(
        [_alert("checkout"), _alert("ledger"), _alert("indexer"), _alert("tagged", owner="search")]
    )
    routed = [_incident(database, o.incident_id) for o in out]
    got = [(team, row.slack_channel, row.escalation_policy, row.auto_investigate)
           for row, team in routed]  # fmt: skip
    assert got == [
        ("payments", "#payments-incidents", "payments-pager", "critical-now"),
        ("payments", "#ledger", "ledger-night", "critical-now"),
        ("search", "#search-incidents", "search-pager", None),
        ("search", "#search-incidents", "search-pager", None),  # the owner label said it
    ]
    published = {m.incident_id: m.view for m in pub.messages if m.kind == "publish"}
    assert {v.team for v in published.values()} == {"payments", "search"}
    assert {v.auto_investigate for v in published.values()} == {"critical-now", None}


def test_an_unowned_service_goes_to_the_default_team_and_is_reported_once(
    database: Database,
) -> None:
    flows, pub = _flows(database, Router(parse_services(SERVICES)))
    first = flows.group_alerts([_alert("mystery", 1), _alert("mystery", 2, team="nobody")])
    row, team = _incident(database, first[0].incident_id)
    assert (team, row.slack_channel) == ("platform", "#incidents")
    flows.resolve(row.id or 0, actor="U1")
    again = flows.group_alerts([_alert("mystery", 3)])  # a new incident, same unowned service
    assert again[0].incident_id != row.id
    with database.session() as s:
        notes = list(s.exec(select(TimelineEvent).where(TimelineEvent.text.contains("no owner"))))  # type: ignore[attr-defined]
    assert len(notes) == 1 and "mystery" in notes[0].text and "platform" in notes[0].text
    warnings = [m for m in pub.messages if m.kind == "thread" and "no owner" in m.text]
    assert len(warnings) == 1


def test_without_services_yaml_incidents_carry_no_team_as_before(database: Database) -> None:
    flows, pub = _flows(database, Router())
    out = flows.group_alerts([_alert("checkout")])
    row, team = _incident(database, out[0].incident_id)
    assert (team, row.escalation_policy, row.auto_investigate) == (None, None, None)
    assert row.slack_channel == pub.channel  # the one incidents channel


def test_the_incident_escalation_policy_wins_over_the_team_default(database: Database) -> None:
    flows, _ = _flows(database, Router(parse_services(SERVICES)))
    out = flows.group_alerts([_alert("ledger")])
    with database.session() as s:
        for name in ("ledger-night", "payments-pager"):
            s.add(EscalationPolicy(name=name, levels=[], repeat=0))
        s.flush()
        row = s.get(Incident, out[0].incident_id)
        assert row is not None
        policy = escalation.policy_for(s, row, "payments-pager")
        assert policy is not None and policy.name == "ledger-night"


def test_sync_teams_points_each_team_at_its_policy_and_reports_unknown_names(
    database: Database,
) -> None:
    with database.session() as s:
        s.add(EscalationPolicy(name="payments-pager", levels=[], repeat=0))
    missing = sync_teams(database, parse_services(SERVICES))
    assert sorted(missing) == ["ledger-night", "search-pager"]
    with database.session() as s:
        rows = {t.name: t for t in s.exec(select(Team))}
        policy = s.exec(select(EscalationPolicy)).one()
    assert set(rows) == {"payments", "search", "platform"}
    assert rows["payments"].escalation_policy_id == policy.id
    assert rows["payments"].slack_channel == "#payments-incidents"
    assert rows["search"].escalation_policy_id is None


def test_a_replay_with_two_teams_services_routes_each_incident_to_its_own_team() -> None:
    """The storm scenario's two incidents, owned by two teams: each lands in its team's channel
    with its team's escalation (and automatic-investigation policy name, for the responder)."""
    from handlers.replay.runner import replay
    from sandbox.scenario import load_scenario
    from tests.conftest import SCENARIOS_DIR

    two_teams = parse_services("""
default_team: web
teams:
  web: {channel: "#web-incidents", escalation: web-pager}
  media: {channel: "#media-incidents", escalation: media-pager, auto_investigate: critical-now}
services:
  www-cdn: {team: web}
  media-origin: {team: web}
  thumbnail-generator: {team: media}
  upload-api: {team: media}
""")
    path = SCENARIOS_DIR / "10-storm-cdn-origin-and-lambda-throttle.yaml"
    result = replay(load_scenario(path).scenario, services=two_teams)
    got = sorted((i["team"], i["channel"], i["escalation_policy"], i["auto_investigate"],
                  i["root_alert"]) for i in result["incidents"])  # fmt: skip
    assert got == [
        ("media", "#media-incidents", "media-pager", "critical-now", "b1"),
        ("web", "#web-incidents", "web-pager", None, "a3"),
    ]


def test_a_replay_with_two_teams_runs_each_teams_own_automatic_investigation() -> None:
    """Both incidents are critical; media's policy is "critical → investigate", web's is off:
    only media's incident investigates itself as it opens, with media's policy."""
    from bot.respond.auto_policy import parse_auto_investigate
    from handlers.replay.runner import replay
    from sandbox.investigate.context import context_for_world
    from sandbox.scenario import load_scenario
    from sandbox.world import SandboxWorld
    from tests.conftest import SCENARIOS_DIR

    two_teams = parse_services("""
default_team: web
teams:
  web: {channel: "#web-incidents", escalation: web-pager, auto_investigate: "off"}
  media: {channel: "#media-incidents", escalation: media-pager, auto_investigate: critical-now}
services:
  www-cdn: {team: web}
  media-origin: {team: web}
  thumbnail-generator: {team: media}
  upload-api: {team: media}
""")
    auto = parse_auto_investigate("""
default: critical-now
policies: [{name: critical-now, when: [{severities: [critical]}]}]
""")
    path = SCENARIOS_DIR / "10-storm-cdn-origin-and-lambda-throttle.yaml"
    scenario = load_scenario(path).scenario
    with SandboxWorld(load_scenario(path).scenario) as world:
        result = replay(scenario, services=two_teams, auto_investigate=auto,
                        investigation_context=lambda: context_for_world(world))  # fmt: skip
    got = {i["team"]: i["auto_investigated"] for i in result["incidents"]}
    assert set(got) == {"web", "media"}
    assert got["web"] is None  # its team's policy is off, though the default would investigate
    assert got["media"] is not None
    assert got["media"].startswith("Investigated automatically (policy critical-now): ")

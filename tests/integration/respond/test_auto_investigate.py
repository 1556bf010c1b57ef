"""Automatic investigation through the real incident flows: alerts of an example scenario go
through the generic webhook parser into ``IncidentFlows``; the policy decides; the investigation
runs against the scenario's sandbox world (moto, the local Kubernetes API) in a job thread.

On SQLite and Postgres: the claim that enforces the cooldown is a row, raced for by threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.clock import SandboxClock
from bot.errors import UpstreamUnavailable
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import RecordingPublisher
from bot.ingest.generic import parse_generic
from bot.investigate.flows import investigate_incident as run_engine
from bot.jobs import JobRunner
from bot.remediate.registry import get as action_spec
from bot.respond import auto_claims
from bot.respond.approvals import Desk
from bot.respond.auto import AutoInvestigator, RecordingAutoReport, wire_auto_investigation
from bot.respond.auto_policy import AutoInvestigateFile, parse_auto_investigate
from bot.respond.proposals import target_of
from bot.store import (
    AutoInvestigation,
    Database,
    Incident,
    Investigation,
    RemediationRequest,
    TimelineEvent,
)
from handlers.slack.wiring import built_once
from sandbox.investigate.context import context_for_world as investigation_context_for
from sandbox.remediate.context import context_for_world as action_context_for
from sandbox.replay.wire import generic
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.conftest import ROOT, SCENARIOS_DIR

# warnings first, then criticals, one service: an incident that opens small and grows
SCENARIO = SCENARIOS_DIR / "03-k8s-oom-memory-leak.yaml"
CRITICAL_ONLY = """
default: critical
policies:
  - name: critical
    when: [{severities: [critical]}]
    cooldown: 10m
"""

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)

pytestmark = pytest.mark.timeout(240)


@dataclass
class Env:
    world: Any
    db: Database
    flows: IncidentFlows
    jobs: JobRunner
    report: RecordingAutoReport
    auto: AutoInvestigator

    def alert(self, index: int, copy: int = 0) -> int:
        """Deliver the scenario's alert ``index`` (``copy`` > 0: the same alert from another
        instance, a new fingerprint); the id of its incident."""
        scenario = self.world.scenario
        a = scenario.alerts[index]
        (alert,) = parse_generic(generic(a, self.world.clock.now()))
        if copy:
            alert = replace(alert, fingerprint=f"{alert.fingerprint}-{copy}")
        (outcome,) = self.flows.group_alerts([alert])
        assert outcome.incident_id is not None
        assert self.jobs.wait_idle(120)
        return outcome.incident_id

    def indices(self, severity: str) -> list[int]:
        return [i for i, a in enumerate(self.world.scenario.alerts) if a.severity == severity]

    def investigations(self, incident_id: int) -> list[Investigation]:
        with self.db.session() as s:
            stmt = select(Investigation).where(Investigation.incident_id == incident_id)
            return list(s.exec(stmt))


@pytest.fixture
def world() -> Iterator[Any]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    with SandboxWorld(load_scenario(SCENARIO).scenario) as w:
        yield w


def _env(world: Any, db: Database, config: AutoInvestigateFile) -> Env:
    flows = IncidentFlows(db, clock=world.clock, publisher=RecordingPublisher())
    jobs = JobRunner(max_workers=2)
    desk = Desk(db=db, clock=world.clock, jobs=jobs, flows=flows,
                action_context=built_once(lambda: action_context_for(world)))  # fmt: skip
    report = RecordingAutoReport()
    context = built_once(lambda: investigation_context_for(world))
    auto = AutoInvestigator(desk, config, context=context, report=report)
    wire_auto_investigation(flows, auto, jobs)
    return Env(world, db, flows, jobs, report, auto)


@pytest.fixture
def env(world: Any, database: Database) -> Iterator[Env]:
    made = _env(world, database, parse_auto_investigate(CRITICAL_ONLY))
    yield made
    made.jobs.shutdown()


def test_critical_investigates_once_and_growth_within_the_cooldown_starts_no_second_run(
    env: Env,
) -> None:
    warnings, criticals = env.indices("warning"), env.indices("critical")
    if not warnings or not criticals:
        pytest.skip("the scenario no longer has both warnings and criticals")
    incident_id = env.alert(criticals[0])
    (first,) = env.investigations(incident_id)  # critical: investigated at once
    assert first.requested_by == "aiops"
    (run,) = env.report.runs
    assert (run.incident_id, run.policy, run.trigger) == (incident_id, "critical", "opened")
    assert run.top_line and run.found.investigation_id == first.id
    assert env.flows.view(incident_id).status == "triggered"  # the page is still unanswered

    assert env.alert(criticals[0], copy=1) == incident_id  # grows within the cooldown
    assert len(env.investigations(incident_id)) == 1 and len(env.report.runs) == 1
    claim = auto_claims.claim_of(env.db, incident_id)
    assert claim is not None and (claim.runs, claim.investigation_id) == (1, first.id)

    env.world.clock.advance(timedelta(minutes=11))  # after the cooldown, growth runs again
    assert env.alert(criticals[0], copy=2) == incident_id
    assert len(env.investigations(incident_id)) == 2
    assert [r.trigger for r in env.report.runs] == ["opened", "grew"]
    claim = auto_claims.claim_of(env.db, incident_id)
    assert claim is not None and claim.runs == 2


def test_a_warning_incident_is_not_investigated_by_a_critical_policy(env: Env) -> None:
    warnings = env.indices("warning")
    if not warnings:
        pytest.skip("the scenario has no warning")
    incident_id = env.alert(warnings[0])
    assert env.investigations(incident_id) == [] and env.report.runs == []
    assert auto_claims.claim_of(env.db, incident_id) is None


def test_policy_off_starts_no_run(world: Any, database: Database) -> None:
    off = parse_auto_investigate(CRITICAL_ONLY.replace("default: critical", "default: off"))
    env = _env(world, database, off)
    try:
        for index in env.indices("critical"):
            incident_id = env.alert(index)
            assert env.investigations(incident_id) == []
        assert env.report.runs == []
        with database.session() as s:
            assert list(s.exec(select(AutoInvestigation))) == []
    finally:
        env.jobs.shutdown()


def test_replicas_racing_for_one_incident_claim_it_once(env: Env) -> None:
    with env.db.session() as s:
        incident = Incident(title="race", severity="critical", created_at=env.world.clock.now())
        s.add(incident)
        s.flush()
        incident_id = incident.id
    assert incident_id is not None
    now, wins = env.world.clock.now(), []
    barrier = threading.Barrier(6)

    def replica(n: int) -> None:
        barrier.wait()
        won = auto_claims.claim(env.db, incident_id, policy="p", now=now,
                                cooldown=timedelta(minutes=5), by=f"replica-{n}")  # fmt: skip
        if won:
            wins.append(n)

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    later = now + timedelta(minutes=5)  # a restarted process after the cooldown takes it over
    assert auto_claims.claim(env.db, incident_id, policy="p", now=later,
                             cooldown=timedelta(minutes=5), by="restarted")  # fmt: skip
    assert not auto_claims.claim(env.db, incident_id, policy="p", now=later,
                                 cooldown=timedelta(minutes=5), by="another")  # fmt: skip


def _engine_view(env: Env, incident_id: int) -> Any:
    """What the engine concludes for the incident (read-only; nothing is stored)."""
    return run_engine(investigation_context_for(env.world), target_of(env.auto.desk, incident_id))


def test_auto_approve_runs_only_the_listed_low_risk_action_for_its_class(
    world: Any, database: Database
) -> None:
    probe = _env(world, database, AutoInvestigateFile())  # nothing automatic: learn the answer
    criticals = probe.indices("critical")
    incident_id = probe.alert(criticals[0])
    probe.jobs.shutdown()
    seen = _engine_view(probe, incident_id)
    low = [a.action for a in seen.actions if action_spec(a.action).risk == "low"]
    writes = [a.action for a in seen.actions if action_spec(a.action).risk != "read"]
    if not low or len(writes) < 2:
        pytest.skip("the scenario's fixes no longer include a low-risk one beside another write")
    listed = low[0]
    config = parse_auto_investigate(f"""
default: p
policies:
  - name: p
    when: [{{severities: [critical]}}]
    auto_approve:
      - {{action: {listed}, incident_classes: [{seen.incident_class}]}}
      - {{action: {listed}, incident_classes: [not-{seen.incident_class}]}}
""")  # fmt: skip
    env = _env(world, database, config)
    try:
        run = env.auto.run(incident_id)
        assert run is not None and run.auto_approved == [listed] and not run.outside
        assert env.jobs.wait_idle(120)
        with database.session() as s:
            requests = list(s.exec(select(RemediationRequest).where(
                RemediationRequest.investigation_id == run.found.investigation_id)))  # fmt: skip
        states = {r.action: r.state for r in requests}
        assert states[listed] != "pending"  # approved by the policy, handed to the jobs
        others = [a for a in writes if a != listed]
        assert others and all(states[a] == "pending" for a in others)
        assert all(r.requested_by == "aiops" for r in requests)
    finally:
        env.jobs.shutdown()


def test_a_policy_for_another_class_approves_nothing(world: Any, database: Database) -> None:
    low = next(a.name for a in _low_risk_actions())
    config = parse_auto_investigate(f"""
default: p
policies:
  - name: p
    when: [{{severities: [critical]}}]
    auto_approve: [{{action: {low}, incident_classes: [a-class-no-playbook-has]}}]
""")  # fmt: skip
    env = _env(world, database, config)
    try:
        incident_id = env.alert(env.indices("critical")[0])
        (run,) = env.report.runs
        assert run.incident_id == incident_id and run.auto_approved == []
        assert all(r.state == "pending" for r in run.found.requests if r.risk != "read")
    finally:
        env.jobs.shutdown()


def _low_risk_actions() -> list[Any]:
    from bot.remediate.registry import all_actions

    return [a for a in all_actions() if a.risk == "low"]


def test_a_cause_outside_our_reach_is_never_auto_approved(sqlite_database: Database) -> None:
    path = ROOT / "tests" / "scenarios" / "reasoning"
    outside = path / "r01-vendor-outage-behind-a-full-pool.yaml"
    if not outside.is_file():
        pytest.skip(f"reasoning scenario absent (looked for {outside})")
    every_low = "\n".join(f"      - {{action: {a.name}}}" for a in _low_risk_actions())
    config = parse_auto_investigate(
        f"default: p\npolicies:\n  - name: p\n    when: [{{severities: [critical]}}]\n"
        f"    auto_approve:\n{every_low}\n"
    )
    with SandboxWorld(load_scenario(outside).scenario) as world:
        env = _env(world, sqlite_database, config)
        try:
            incident_id = env.alert(env.indices("critical")[0])
            (run,) = env.report.runs
            assert run.incident_id == incident_id and run.outside
            assert run.auto_approved == []
            assert all(r.state == "pending" for r in run.found.requests if r.risk != "read")
        finally:
            env.jobs.shutdown()


def test_a_run_that_fails_says_so_in_the_thread_and_the_timeline(sqlite_database: Database) -> None:
    def unreachable() -> Any:
        raise UpstreamUnavailable("AWS did not answer")

    flows = IncidentFlows(sqlite_database, clock=SandboxClock(NOW), publisher=RecordingPublisher())
    jobs = JobRunner(max_workers=1)
    report = RecordingAutoReport()
    desk = Desk(db=sqlite_database, clock=flows.clock, jobs=jobs, flows=flows)
    auto = AutoInvestigator(desk, parse_auto_investigate(CRITICAL_ONLY), context=unreachable,
                            report=report)  # fmt: skip
    wire_auto_investigation(flows, auto, jobs)
    try:
        alert = {"name": "ApiDown", "severity": "critical", "service": "api",
                 "summary": "api is down", "starts_at": NOW.isoformat()}  # fmt: skip
        body = {"version": "1", "alerts": [alert]}
        (outcome,) = flows.group_alerts(parse_generic(body))
        assert jobs.wait_idle(60) and outcome.incident_id is not None
    finally:
        jobs.shutdown()
    ((incident_id, text),) = report.failures
    assert incident_id == outcome.incident_id and "AWS did not answer" in text
    assert report.runs == []
    with sqlite_database.session() as s:
        notes = list(s.exec(select(TimelineEvent).where(TimelineEvent.kind == "investigation")))
    assert [n.text for n in notes] == [text]

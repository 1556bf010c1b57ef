"""Outcomes on SQLite and PostgreSQL: filed once under the investigation's signature, read back
by history (similar incidents only), the fix library and the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.clock import SandboxClock
from bot.errors import Conflict, UserError
from bot.incidents.flows import IncidentFlows
from bot.investigate.experience import Case
from bot.investigate.models import Hypothesis
from bot.learn import cases
from bot.learn.feedback import (
    fix_choices,
    give_feedback,
    judge,
    rate,
    remediation_settled,
    what_fixed_it,
)
from bot.learn.library import fix_library
from bot.learn.signature import IncidentSignature
from bot.learn.stats import learning_stats
from bot.learn.weigh import History
from bot.store import Database, FixOutcome, Incident, Investigation, RemediationRequest

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CASE = Case("performance_degradation", ("k8s_deployment",), ("pool_exhausted",), ("HighLatency",))
RESTART, ROLLBACK = "k8s.restart_deployment", "k8s.rollback_deployment"


def _incident(db: Database, *, first_action: str = ROLLBACK, case: Case = CASE) -> tuple[int, int]:
    """An incident on payment-api with one investigation whose signature is ``case``."""
    with db.session() as s:
        inc = Incident(title="latency", services=["payment-api"], created_at=NOW)
        s.add(inc)
        s.flush()
        inv = Investigation(incident_id=inc.id, incident_class=case.incident_class, status="done")
        s.add(inv)
        s.flush()
        assert inc.id is not None and inv.id is not None
        ids = inc.id, inv.id
    cases.remember(db, investigation_id=ids[1], signature=IncidentSignature.of(case),
                   top_hypothesis="deployment_regression", first_action=first_action)  # fmt: skip
    return ids


def _request(db: Database, incident_id: int, action: str, n: int) -> RemediationRequest:
    with db.session() as s:
        req = RemediationRequest(idempotency_key=f"r{incident_id}-{n}", incident_id=incident_id,
                                 action=action, params={"name": "payment-api"})  # fmt: skip
        s.add(req)
        s.flush()
        return req


def _rows(db: Database) -> list[FixOutcome]:
    with db.session() as s:
        return list(s.exec(select(FixOutcome).order_by(FixOutcome.id)))  # type: ignore[arg-type]


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(NOW, speed=0.0)


def test_each_door_files_its_outcome_once_under_the_signature(
    database: Database, clock: SandboxClock
) -> None:
    flows = IncidentFlows(database, clock=clock)
    incident, inv = _incident(database)
    give_feedback(flows, user="U1", kind="fixed", incident_id=incident, investigation_id=inv)
    with pytest.raises(Conflict):
        give_feedback(flows, user="U1", kind="fixed", incident_id=incident, investigation_id=inv)
    give_feedback(flows, user="U1", kind="up", incident_id=incident, investigation_id=inv)
    rate(database, clock, user="U1", rating=2, incident_id=incident, investigation_id=inv)
    with pytest.raises(UserError):
        rate(database, clock, user="U1", rating=5, incident_id=incident, investigation_id=inv)
    with pytest.raises(UserError):
        rate(database, clock, user="U2", rating=9, incident_id=incident, investigation_id=inv)
    judge(database, clock, user="U2", about="hypothesis", name="connection_pool_exhaustion",
          right=True, incident_id=incident, investigation_id=inv)  # fmt: skip
    judge(database, clock, user="U2", about="action", name=RESTART, right=False,
          incident_id=incident, investigation_id=inv)  # fmt: skip
    for state in ("not_recovered", "unverified"):
        req = _request(database, incident, ROLLBACK, len(state))
        remediation_settled(database, req, state, clock=clock, user="U3")
        remediation_settled(database, req, state, clock=clock, user="U3")  # settled twice
    got = what_fixed_it(database, clock, user="U1", incident_id=incident,
                        pick=f"action:{RESTART}", text="raised the pool to 40")  # fmt: skip
    assert got == [f"action {RESTART}", "“raised the pool to 40”"]
    assert what_fixed_it(database, clock, user="U1", incident_id=incident,
                         pick=f"action:{RESTART}", text=None) == []  # fmt: skip
    with pytest.raises(UserError, match="not a fix I know"):
        what_fixed_it(database, clock, user="U1", incident_id=incident, pick="rm -rf", text=None)
    rows = _rows(database)
    assert {r.key for r in rows} == {IncidentSignature.of(CASE).key}
    assert [(r.source, r.subject, r.fix, r.verdict, r.rating) for r in rows] == [
        ("feedback", "action", ROLLBACK, 1, None),
        ("feedback", "hypothesis", "deployment_regression", 1, None),
        ("feedback", "analysis", "analysis", 1, None),
        ("feedback", "analysis", "analysis", -1, 2),
        ("feedback", "hypothesis", "connection_pool_exhaustion", 1, None),
        ("feedback", "action", RESTART, -1, None),
        ("remediation", "action", ROLLBACK, -1, None),
        ("resolve", "action", RESTART, 1, None),
        ("resolve", "text", "raised the pool to 40", 1, None),
    ]
    assert all(r.incident_id == incident and r.at == NOW for r in rows)


def _hyps() -> list[Hypothesis]:
    return [
        Hypothesis(kind="deployment_regression", service="payment-api", confidence=0.7,
                   summary="the deploy"),
        Hypothesis(kind="connection_pool_exhaustion", service="payment-api", confidence=0.6,
                   summary="the pool"),
    ]  # fmt: skip


def _actions(h: Hypothesis) -> list[str]:
    return [ROLLBACK] if h.kind == "deployment_regression" else [RESTART]


def test_history_reads_only_similar_incidents_and_reorders(
    database: Database, clock: SandboxClock
) -> None:
    for n in range(3):
        clock.advance(timedelta(days=1))
        incident, _ = _incident(database)
        remediation_settled(database, _request(database, incident, ROLLBACK, n), "rolled_back",
                            clock=clock, user="U1")  # fmt: skip
        what_fixed_it(database, clock, user="U1", incident_id=incident, pick=f"action:{RESTART}",
                      text=None)  # fmt: skip
    weighed = History(database).weigh(CASE, _hyps(), _actions)
    top = max(weighed.hypotheses, key=lambda h: h.confidence)
    assert top.kind == "connection_pool_exhaustion"
    assert top.evidence[0].startswith(f"history: fixed 3 of 3 similar incidents, last #{incident}")
    assert "on 2026-11-05" in top.evidence[0]
    elsewhere = Case("performance_degradation", ("lambda",))
    untouched = History(database).weigh(elsewhere, _hyps(), _actions)
    assert [h.confidence for h in untouched.hypotheses] == [0.7, 0.6]

    library = fix_library(database, kind="k8s_deployment")
    assert [(r.fix, r.worked, r.failed, r.last_incident) for r in library] == [
        (RESTART, 3, 0, incident), (ROLLBACK, 0, 3, incident),
    ]  # fmt: skip
    assert fix_library(database, service="payment-api") == library
    assert fix_library(database, service="other-svc") == []
    assert fix_library(database, kind="rds") == []
    stats = learning_stats(database, now=clock.now())
    assert stats.common_fixes == [(f"action {RESTART}", 3)]
    # each investigation's first action was the rollback that failed: top-1 missed three times
    assert [(p.labelled, p.hits) for p in stats.top1] == [(3, 0)]
    assert stats.top1_accuracy == 0.0 and stats.helpful_share is None


def test_fix_choices_list_registry_actions() -> None:
    values = [c.value for c in fix_choices()]
    assert f"action:{RESTART}" in values and all(":" in v for v in values)


def test_learning_figures_are_exported_at_metrics(database: Database, clock: SandboxClock) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    import bot.learn.metrics  # noqa: F401  (registers the gauges, as the HTTP app does)
    from bot.observability import render
    from bot.observability.store_stats import watch_store

    flows = IncidentFlows(database, clock=clock)
    incident, inv = _incident(database)
    give_feedback(flows, user="U1", kind="up", incident_id=incident, investigation_id=inv)
    give_feedback(flows, user="U2", kind="down", incident_id=incident, investigation_id=inv)
    what_fixed_it(database, clock, user="U1", incident_id=incident, pick=f"action:{ROLLBACK}",
                  text=None)  # fmt: skip
    watch_store(database, clock)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(render()[0].decode())
        for s in family.samples
    }
    assert samples[("aiops_analyses_helpful_ratio", ())] == 0.5
    assert samples[("aiops_top_one_accuracy", ())] == 1.0  # its first action was what fixed it
    assert samples[("aiops_fix_worked_incidents", (("fix", f"action {ROLLBACK}"),))] == 1
    assert samples[("aiops_outcomes_recorded", ())] == 3

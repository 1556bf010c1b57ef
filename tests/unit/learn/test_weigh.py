"""History's adjustment of hypotheses: raised by fixes that worked, lowered by failures, bounded,
and never above hard evidence against a hypothesis."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.investigate.models import Hypothesis
from bot.learn.enums import Subject
from bot.learn.signature import IncidentSignature
from bot.learn.weigh import BOUND, HISTORY_PREFIX, adjust, recency, tally
from bot.store import FixOutcome

T0 = datetime(2026, 11, 1, tzinfo=UTC)
_ids = itertools.count(1)
ACTIONS = {"pool": ["k8s.restart_deployment"], "regression": ["k8s.rollback_deployment"]}


def _hyp(kind: str, confidence: float, against: list[str] | None = None) -> Hypothesis:
    return Hypothesis(kind=kind, service="svc", confidence=confidence, summary=kind,
                      evidence=["a finding"], against=against or [])  # fmt: skip


def _outcome(
    fix: str, verdict: int, incident: int, subject: Subject = Subject.ACTION
) -> FixOutcome:
    n = next(_ids)
    return FixOutcome(id=n, dedup_key=f"k{n}", key="k", incident_class="c", source="resolve",
                      subject=subject, fix=fix, verdict=verdict, incident_id=incident,
                      at=T0 + timedelta(days=incident))  # fmt: skip


def _actions(h: Hypothesis) -> list[str]:
    return ACTIONS.get(h.kind, [])


def test_a_fix_that_worked_raises_its_hypothesis_and_says_why() -> None:
    outcomes = [_outcome("k8s.restart_deployment", 1, i) for i in (3, 7, 12)]
    outcomes.append(_outcome("k8s.restart_deployment", -1, 9))
    weighed = adjust([_hyp("regression", 0.7), _hyp("pool", 0.6)], outcomes, _actions)
    by_kind = {h.kind: h for h in weighed.hypotheses}
    pool = by_kind["pool"]
    # newest first: #12 worked, #9 failed, #7 and #3 worked
    worked, failed = recency(0) + recency(2) + recency(3), recency(1)
    assert pool.confidence == pytest.approx(0.6 + BOUND * (worked - failed) / (worked + failed + 1))
    assert pool.evidence[0].startswith(HISTORY_PREFIX + "fixed 3 of 4 similar incidents, last #12")
    assert "2026-11-13" in pool.evidence[0] and "a finding" in pool.evidence
    assert by_kind["regression"].confidence == 0.7  # nothing known about it: unchanged
    assert weighed.action_notes["k8s.restart_deployment"].startswith("fixed 3 of 4")
    assert weighed.action_shift["k8s.restart_deployment"] > 0


def test_a_fix_that_failed_lowers_its_hypothesis() -> None:
    outcomes = [_outcome("k8s.rollback_deployment", -1, i) for i in (1, 2)]
    weighed = adjust([_hyp("regression", 0.7)], outcomes, _actions)
    (h,) = weighed.hypotheses
    failed = recency(0) + recency(1)
    assert h.confidence == pytest.approx(0.7 - BOUND * failed / (failed + 1))
    assert "did not fix 2 of 2 similar incidents, last #2" in h.evidence[0]


@pytest.mark.parametrize("n", [1, 5, 50, 500])
def test_the_shift_is_bounded_however_long_the_record(n: int) -> None:
    up = [_outcome("k8s.restart_deployment", 1, i) for i in range(n)]
    down = [_outcome("k8s.rollback_deployment", -1, i) for i in range(n)]
    (raised,) = adjust([_hyp("pool", 0.5)], up, _actions).hypotheses
    (lowered,) = adjust([_hyp("regression", 0.5)], down, _actions).hypotheses
    assert 0.5 < raised.confidence < 0.5 + BOUND
    assert 0.5 - BOUND < lowered.confidence < 0.5


def test_the_latest_incidents_outweigh_older_ones_that_they_contradict() -> None:
    older = [_outcome("k8s.restart_deployment", 1, i) for i in (1, 2, 3)]
    newer = [_outcome("k8s.restart_deployment", -1, i) for i in (4, 5)]
    t = tally(older + newer, lambda o: True)
    assert (t.worked, t.failed, t.last_incident) == (3, 2, 5)
    assert t.shift() < 0 and t.reason().startswith("did not fix 2 of 5 similar incidents")
    (h,) = adjust([_hyp("pool", 0.6)], older + newer, _actions).hypotheses
    assert h.confidence < 0.6


def test_one_incident_counts_once_and_a_fix_that_worked_there_wins() -> None:
    same = [_outcome("k8s.restart_deployment", -1, 4), _outcome("k8s.restart_deployment", 1, 4)]
    t = tally(same, lambda o: True)
    assert (t.worked, t.failed, t.last_incident) == (1, 0, 4)


def test_hypothesis_feedback_counts_by_kind() -> None:
    outcomes = [_outcome("pool", -1, i, Subject.HYPOTHESIS) for i in (1, 2, 3)]
    (h,) = adjust([_hyp("pool", 0.6)], outcomes, _actions).hypotheses
    assert h.confidence < 0.6


def test_history_never_raises_a_hypothesis_with_evidence_against_it() -> None:
    outcomes = [_outcome("k8s.restart_deployment", 1, i) for i in range(10)]
    refuted = _hyp("pool", 0.4, against=["the pool was at 3 of 50"])
    (h,) = adjust([refuted], outcomes, _actions).hypotheses
    assert h.confidence == 0.4 and "not raised: the evidence is against it" in h.evidence[0]


def test_a_lowered_hypothesis_stays_above_a_refuted_one_it_outranked() -> None:
    down = [_outcome("k8s.rollback_deployment", -1, i) for i in range(10)]
    hyps = [_hyp("regression", 0.45), _hyp("pool", 0.4, against=["contradicted"])]
    weighed = adjust(hyps, down, _actions)
    by_kind = {h.kind: h for h in weighed.hypotheses}
    assert by_kind["regression"].confidence > by_kind["pool"].confidence
    assert by_kind["regression"].confidence < 0.45  # still lowered, just not past the evidence


def test_signature_key_is_stable_and_order_free() -> None:
    a = IncidentSignature(
        incident_class="c", platforms=["rds", "k8s_deployment"], alerts=["B", "A"]
    )
    b = IncidentSignature(
        incident_class="c", platforms=("k8s_deployment", "rds"), alerts=("A", "B")
    )
    assert a.key == b.key and a.family == "c/k8s_deployment+rds"
    assert a.similar_to(IncidentSignature(incident_class="c", platforms=["rds"]))
    assert not a.similar_to(IncidentSignature(incident_class="c", platforms=["lambda"]))
    assert not a.similar_to(IncidentSignature(incident_class="other", platforms=["rds"]))
    # another class, but the same failure signature on the same platform: similar
    b = IncidentSignature(incident_class="c", platforms=["rds"], signatures=["pool_exhausted"])
    assert b.similar_to(IncidentSignature(incident_class="d", platforms=["rds"],
                                          signatures=["pool_exhausted", "x"]))  # fmt: skip

"""A cause that explains other readings leads them (``bot.investigate.explains``): its confidence
is the rule's margin above the best one, within floor and ceiling; a reading of it already there
is raised, unless a rule weighed evidence against it; the explained ones rank at least the
margin below it and say why. Made-up names and kinds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.investigate.cpu_bound import cpu_bound_rules
from bot.investigate.datastore_refusal import datastore_refusal_rules
from bot.investigate.explains import lead, lead_confidence, rank_below
from bot.investigate.models import Hypothesis
from bot.investigate.quiet_callee import quiet_callee_rules
from bot.investigate.reasoning_data import Cascade, CauseMargin, cascade_rules

RULES = CauseMargin(kind="cause", margin=0.05, floor=0.4, ceiling=0.7, explained_kinds=["wait"])


def _hyp(kind: str, service: str, confidence: float, against: tuple[str, ...] = ()) -> Hypothesis:
    return Hypothesis(
        kind=kind,
        service=service,
        confidence=confidence,
        summary=f"{kind} on {service}",
        against=list(against),
    )


def test_the_cause_is_a_margin_above_the_best_it_explains() -> None:
    explained = [_hyp("wait", "front", 0.5), _hyp("wait", "middle", 0.55)]
    assert lead_confidence(explained, RULES) == 0.6


def test_the_cause_stays_within_floor_and_ceiling() -> None:
    assert lead_confidence([], RULES) == 0.4
    assert lead_confidence([_hyp("wait", "front", 0.2)], RULES) == 0.4
    assert lead_confidence([_hyp("wait", "front", 0.9)], RULES) == 0.7


def test_a_new_cause_is_added() -> None:
    added: list[Hypothesis] = []
    cause = _hyp("cause", "store", 0.6)
    assert lead(None, cause, added) is cause
    assert added == [cause]


def test_a_cause_already_there_is_raised_not_doubled() -> None:
    added: list[Hypothesis] = []
    same = _hyp("cause", "store", 0.45)
    assert lead(same, _hyp("cause", "store", 0.6), added) is same
    assert same.confidence == 0.6 and added == []
    lead(same, _hyp("cause", "store", 0.5), added)
    assert same.confidence == 0.6  # raised, never lowered


def test_a_cause_a_rule_weighed_evidence_against_stands_and_explains_nothing() -> None:
    added: list[Hypothesis] = []
    same = _hyp("cause", "store", 0.3, against=("its pods are steady",))
    assert lead(same, _hyp("cause", "store", 0.6), added) is None
    assert same.confidence == 0.3 and added == []


def test_an_explained_reading_ranks_the_margin_below_and_says_why() -> None:
    high, low = _hyp("wait", "front", 0.8), _hyp("wait", "middle", 0.3)
    for h in (high, low):
        rank_below(h, 0.6, 0.05, "explained by store")
    assert high.confidence == 0.55 and high.against == ["explained by store"]
    assert low.confidence == 0.3 and low.against == ["explained by store"]  # never raised


def test_an_explained_reading_never_drops_below_the_minimum() -> None:
    h = _hyp("wait", "front", 0.8)
    rank_below(h, 0.08, 0.05, "explained by store")
    assert h.confidence == 0.05


def test_every_rule_that_makes_a_cause_lead_reads_the_same_keys() -> None:
    for rules in (
        cascade_rules(),
        cpu_bound_rules(),
        datastore_refusal_rules(),
        quiet_callee_rules(),
    ):
        assert isinstance(rules, CauseMargin)
        assert rules.floor <= rules.ceiling


def test_a_cascade_floor_keeps_its_own_bound() -> None:
    keys = {"signatures": ["x"], "levels": ["ERROR"], "kind": "k", "margin": 0.05, "ceiling": 0.9}
    assert Cascade(**keys, floor=0.7).floor == 0.7
    with pytest.raises(ValidationError):
        Cascade(**keys, floor=0.8)
    assert CauseMargin(kind="k", margin=0.05, floor=0.8, ceiling=0.9).floor == 0.8

"""Calibration's level from the untuned recording (tests/bench/calibration_untuned.py): the
leader ceiling and the shrink toward the recorded share right, each chosen on the recording; the
recording's cross-validation keeps a scenario out of what sets its level; the simplest candidate
within noise wins. Made-up records; no world is started."""

from __future__ import annotations

from collections.abc import Sequence

from bot.investigate.calibrate import mapped
from bot.investigate.reasoning_data import Calibration
from tests.bench import calibration_fit as cf
from tests.bench import calibration_untuned as cu
from tests.bench.calibration_data import Record, outcome, replay
from tests.bench.rca_scoring import CaseOutcome, Guess, Truth
from tests.unit.bench.test_calibration_fit import record
from tests.unit.investigate.test_calibrate import STRUCTURAL

CONFIDENT = STRUCTURAL.model_copy(
    update={"maps": {"leader": [(0.5, 0.9), (0.8, 0.95)], "runner_up": [(0.1, 0.02)]}}
)


def test_the_ceiling_caps_the_leaders_map_and_only_it() -> None:
    capped = cu.capped(CONFIDENT, 0.4)
    assert capped.maps["leader"] == [(0.5, 0.4)]
    assert cu.capped(CONFIDENT, 0.92).maps["leader"] == [(0.5, 0.9), (0.62, 0.92)]
    assert capped.maps["runner_up"] == CONFIDENT.maps["runner_up"]
    Calibration.model_validate(capped.model_dump())  # still a monotone map the YAML accepts
    no_map = cu.capped(STRUCTURAL, 0.4)  # no leader map: the identity, capped
    assert no_map.maps["leader"] == [(0.0, 0.0), (0.4, 0.4)]
    assert replay(record("a", "s#1"), no_map)[0].confidence == 0.4


def test_the_ceiling_is_chosen_low_when_recorded_leaders_are_wrong() -> None:
    wrong = [record("u", f"w{i}#1", leader_right=False) for i in range(10)]
    right = [record("u", f"r{i}#1") for i in range(10)]
    low = cu.ceiling_level(CONFIDENT, wrong).maps["leader"]
    high = cu.ceiling_level(CONFIDENT, right).maps["leader"]
    assert max(y for _, y in low) == min(cu.CEILINGS)
    assert high == CONFIDENT.maps["leader"]  # nothing to cap: the highest ceiling (none) wins


def test_the_shrink_moves_each_map_toward_its_recorded_share_right() -> None:
    recorded = [record("u", f"s{i}#1", leader_right=i % 4 == 0) for i in range(8)]  # 2/8 right
    assert cu.shares(recorded, CONFIDENT)["leader"] == (2, 8)
    assert cu.shrunk(CONFIDENT, 0.0, recorded).maps == CONFIDENT.maps
    flat = cu.shrunk(CONFIDENT, 1.0, recorded).maps
    assert flat["leader"] == [(0.8, 0.278)]  # one flat level: (2 + 1/2) / (8 + 1)
    assert flat["runner_up"] == [(0.1, 0.056)]  # 0/8 runners-up right: never quite 0
    half = cu.shrunk(CONFIDENT, 0.5, recorded).maps["leader"]
    assert half == [(0.5, 0.589), (0.8, 0.614)]
    few = cu.shrunk(CONFIDENT, 1.0, recorded[: cu.MIN_RECORDED - 1]).maps
    assert few == CONFIDENT.maps  # too few recorded hypotheses: left alone
    chosen = cu.shrink_level(CONFIDENT, recorded).maps["leader"]
    assert max(y for _, y in chosen) < 0.9  # the recording says leaders are right 2/8


def test_the_bases_do_not_depend_on_what_the_file_says() -> None:
    tuned = [record("a", f"s{i}#1") for i in range(10)]
    other = STRUCTURAL.model_copy(update={"runner_up_share": 1.0, "steady_cap": 0.35})
    one = cu.bases(tuned, STRUCTURAL, cf.fit_knobs, cf.fit_maps)
    two = cu.bases(tuned, other, cf.fit_knobs, cf.fit_maps)
    assert one == two
    assert one["hand-set"] == STRUCTURAL.model_copy(update={**cu.HAND_SET, "maps": {}})


def test_the_recording_cv_sets_a_scenarios_level_without_it() -> None:
    recorded = [record(c, f"s{i}#{k}") for c in "uv" for i in range(3) for k in (1, 2)]
    seen: list[set[str]] = []

    def level(rules: Calibration, rest: Sequence[Record]) -> Calibration:
        seen.append({cu.scenario_of(r) for r in rest})
        return rules

    cand = cu.Candidate("probe", "hand-set", level)
    outs = cu.cv_on_recording(cand, STRUCTURAL, recorded)
    assert len(seen) == 6 and all(len(s) == 5 for s in seen)
    assert [o.name for o in outs] == [r.name for r in recorded]
    plain = cu.Candidate("plain", "hand-set")
    assert cu.cv_on_recording(plain, STRUCTURAL, recorded) == [
        outcome(r, STRUCTURAL) for r in recorded
    ]


def test_the_simplest_candidate_within_noise_wins() -> None:
    truth = Truth("oom_killed", "api")

    def said(confidence: float) -> list[CaseOutcome]:  # 20 answers, half of them right
        kinds = ["oom_killed", "memory_leak"] * 10
        return [
            CaseOutcome(f"s{i}#1", truth, [Guess(kind, "api", confidence)])
            for i, kind in enumerate(kinds)
        ]

    scored = {"far": said(0.95), "near": said(0.45), "nearer": said(0.5)}
    name, best, se = cu.simplest_within_noise(scored)
    assert (name, best) == ("near", "nearer")  # within noise of the best, and listed first
    assert 0.0 < se < 0.05
    name, best, se = cu.simplest_within_noise({"far": scored["far"], "near": scored["near"]})
    assert (name, best, se) == ("near", "near", 0.0)  # far is not within noise


def test_a_map_is_tidied_without_changing_what_it_gives() -> None:
    points = [(0.1, 0.2), (0.2, 0.2), (0.3, 0.2), (0.5, 0.6), (0.7, 0.9), (0.9, 0.9)]
    tidied = cu.tidy(points)
    assert tidied == [(0.3, 0.2), (0.5, 0.6), (0.7, 0.9)]
    for x in (0.0, 0.15, 0.25, 0.4, 0.6, 0.8, 1.0):
        assert mapped(tidied, x) == mapped(points, x)
    assert cu.tidy([(0.2, 0.3), (0.5, 0.3)]) == [(0.5, 0.3)]

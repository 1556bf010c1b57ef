"""The root-cause scoring of bench_rca and bench_questions: each mark, the Brier score, the
reliability table, and the loop both benches share (answers, refusals, crashes, a lost world)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

import pytest

from tests.bench.rca_scoring import (
    Case,
    CaseOutcome,
    Guess,
    Proposal,
    Truth,
    brier,
    calibration_pairs,
    reliability,
    render,
    render_worst,
    row,
    run_cases,
    score,
    summarize,
    truths,
    worst_calibrated,
)

OOM = Truth("oom_killed", "api", "k8s.set_resources", {"namespace": "prod", "name": "api"})
OUTSIDE = Truth("dependency_failure", "stripe")  # no registry action can help
HEALTHY = Truth(None, None)
RAISE = Proposal("k8s.set_resources", {"namespace": "prod", "name": "api", "cpu": "1"}, "medium")
RESTART = Proposal("k8s.restart_deployment", {"namespace": "prod", "name": "api"}, "low")
LOOK = Proposal("runbook.read_logs", {"service": "api"}, "read")


def case(truth: Truth, guesses: list[Guess] | None = None, actions: list[Proposal] | None = None,
         crashed: str | None = None) -> CaseOutcome:  # fmt: skip
    return CaseOutcome("c", truth, guesses or [], actions or [], crashed)


def test_top1_and_top3_need_kind_and_service() -> None:
    right = Guess("oom_killed", "api", 0.8)
    other_service = Guess("oom_killed", "web", 0.9)
    assert score(case(OOM, [right])).top1
    s = score(case(OOM, [other_service, Guess("memory_leak", "api", 0.5), right]))
    assert (s.top1, s.top3) == (False, True)
    s = score(case(OOM, [other_service, other_service, other_service, right]))
    assert (s.top1, s.top3) == (False, False)


def test_first_action_matches_the_fix_by_name_and_truth_params() -> None:
    assert score(case(OOM, actions=[RAISE])).first_action
    wrong_target = Proposal("k8s.set_resources", {"namespace": "prod", "name": "web"}, "medium")
    assert not score(case(OOM, actions=[wrong_target])).first_action
    assert not score(case(OOM, actions=[])).first_action


def test_with_no_fix_only_a_read_only_first_step_or_none_is_right() -> None:
    assert score(case(OUTSIDE, actions=[LOOK, RESTART])).first_action
    assert score(case(OUTSIDE)).first_action
    assert not score(case(OUTSIDE, actions=[RESTART])).first_action


@pytest.mark.parametrize(
    ("truth", "actions", "harmful"),
    [
        (OUTSIDE, [RESTART], True),  # a write when nothing in reach helps
        (HEALTHY, [RESTART], True),  # a write when nothing is wrong
        (OOM, [RESTART], True),  # a write that is not the fix: no effect
        (OOM, [RAISE], False),
        (OUTSIDE, [LOOK, RESTART], False),  # only the first recommendation counts
        (OUTSIDE, [], False),
    ],
)
def test_harmful_fix(truth: Truth, actions: list[Proposal], harmful: bool) -> None:
    assert score(case(truth, actions=actions)).harmful is harmful


def test_silent_means_a_failure_and_no_hypothesis() -> None:
    assert score(case(OOM)).silent
    assert not score(case(OOM, [Guess("oom_killed", "api", 0.2)])).silent
    assert not score(case(HEALTHY)).silent
    crashed = score(case(OOM, crashed="ApiException: 500"))
    assert (crashed.crashed, crashed.silent, crashed.first_action) == (True, False, False)


def test_brier_over_every_hypothesis() -> None:
    outcomes = [
        case(OOM, [Guess("oom_killed", "api", 0.9), Guess("memory_leak", "api", 0.3)]),
        case(HEALTHY, [Guess("cpu_saturation", "api", 0.2)]),
    ]
    pairs = calibration_pairs(outcomes)
    assert pairs == [(0.9, 1), (0.3, 0), (0.2, 0)]
    assert brier(pairs) == pytest.approx((0.01 + 0.09 + 0.04) / 3)
    assert brier([]) is None


def test_reliability_buckets_confidence_and_accuracy() -> None:
    pairs = [(0.1, 0), (0.15, 0), (0.7, 1), (0.75, 0), (1.0, 1), (0.8, 1)]
    table = {(b.low, b.high): b for b in reliability(pairs)}
    low = table[(0.0, 0.2)]
    assert (low.n, low.accuracy) == (2, 0.0)
    mid = table[(0.6, 0.8)]
    assert (mid.n, mid.accuracy, mid.mean_confidence) == (2, 0.5, pytest.approx(0.725))
    top = table[(0.8, 1.0)]  # the last bucket is closed: 1.0 falls in it
    assert (top.n, top.accuracy) == (2, 1.0)
    assert table[(0.2, 0.4)].n == 0 and table[(0.2, 0.4)].accuracy is None


def test_summary_and_render() -> None:
    outcomes = [
        case(OOM, [Guess("oom_killed", "api", 0.8)], [RAISE]),
        case(OUTSIDE, [Guess("deployment_regression", "api", 0.6)], [RESTART]),
        case(OOM),
        case(HEALTHY, [], [LOOK]),
        case(OOM, crashed="boom"),
    ]
    s = summarize(outcomes)
    assert (s.cases, s.failing, s.top1, s.top3) == (5, 4, 1, 1)
    assert (s.first_action, s.harmful, s.silent, s.crashes) == (2, 1, 1, 1)
    text = render("dev", s)
    assert "top-1 1/4 (25%)" in text and "harmful fixes 1" in text and "silent 1" in text
    assert "[0.8, 1.0]" in text


def test_worst_calibrated_cases_add_most_to_the_brier_sum() -> None:
    sure_and_wrong = case(OOM, [Guess("memory_leak", "api", 0.9)])
    sure_and_right = case(OOM, [Guess("oom_killed", "api", 0.9)])
    hedged = case(OOM, [Guess("oom_killed", "api", 0.5), Guess("memory_leak", "api", 0.3)])
    worst = worst_calibrated([sure_and_right, hedged, sure_and_wrong, case(OOM)], n=2)
    assert [w.total for w in worst] == [pytest.approx(0.81), pytest.approx(0.25 + 0.09)]
    assert worst[0].top == "memory_leak/api 0.90 wrong" and worst[1].hypotheses == 2
    assert "0.81" in render_worst([sure_and_wrong], n=1)


# --- the loop both benches share ---------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:  # what an investigation returns; Guess and Proposal carry the same attributes
    hypotheses: list[Guess]
    actions: list[Proposal]


class _Refused(Exception):
    pass


def _answer(ctx: str) -> _Answer:
    return _Answer([Guess("oom_killed", ctx, 0.8)], [Proposal("runbook.read_logs", {}, "read")])


def _refuse(ctx: str) -> _Answer:
    raise _Refused("Unknown service")


def _crash(ctx: str) -> _Answer:
    raise KeyError("boom")


def test_run_cases_scores_answers_refusals_and_crashes_in_one_world() -> None:
    refused: list[str] = []
    cases = [
        Case("a", OOM, _answer),
        Case("b", OOM, _refuse),
        Case("c", OOM, _crash),
        Case("d", OOM, _answer),
    ]
    got = run_cases(lambda: nullcontext("api"), cases, refusal=_Refused, refused=refused)
    assert [o.name for o in got] == ["a", "b", "c", "d"]
    assert got[0].hypotheses == [Guess("oom_killed", "api", 0.8)]
    assert got[0].actions == [Proposal("runbook.read_logs", {}, "read")]
    assert score(got[0]).top1 and score(got[3]).top1
    assert (list(got[1].hypotheses), got[1].crashed, score(got[1]).silent) == ([], None, True)
    assert refused == ["b: Unknown service"]
    assert got[2].crashed == "KeyError: 'boom'"


def test_run_cases_without_a_refusal_type_counts_every_error_as_a_crash() -> None:
    got = run_cases(lambda: nullcontext("api"), [Case("b", OOM, _refuse)])
    assert got[0].crashed == "_Refused: Unknown service"


def test_a_world_that_does_not_come_up_crashes_the_cases_not_yet_asked() -> None:
    @contextmanager
    def broken() -> Iterator[str]:
        yield "api"
        raise RuntimeError("world went away")

    got = run_cases(broken, [Case("a", OOM, _answer)])
    assert got[0].crashed is None  # asked before the world failed on the way out

    def no_world() -> AbstractContextManager[str]:
        raise OSError("no port")

    got = run_cases(no_world, [Case("a", OOM, _answer), Case("b", HEALTHY, _answer)])
    assert [o.crashed for o in got] == ["OSError: no port"] * 2
    assert summarize(got).crashes == 2


def test_truths_take_the_incident_cause_before_the_scenario_one() -> None:
    cause = _Cause("oom_killed", "api")
    fix = _Fix("k8s.set_resources", {"name": "api"})
    shared = _Truth(
        [_Incident(None, None), _Incident(_Cause("memory_leak", "web"), None)], cause, fix
    )
    (_, first), (_, second) = truths(shared)
    assert first == Truth("oom_killed", "api", "k8s.set_resources", {"name": "api"})
    assert second == Truth("memory_leak", "web", "k8s.set_resources", {"name": "api"})
    assert truths(_Truth([_Incident(None, None)], None, None))[0][1] == HEALTHY


@dataclass(frozen=True)
class _Cause:
    kind: str
    service: str


@dataclass(frozen=True)
class _Fix:
    action: str
    params: dict[str, str]


@dataclass(frozen=True)
class _Incident:
    root_cause: _Cause | None
    fix: _Fix | None


@dataclass(frozen=True)
class _Truth:
    incidents: list[_Incident]
    root_cause: _Cause | None
    fix: _Fix | None


def test_a_row_shows_the_marks_the_top_hypothesis_and_the_missed_truth() -> None:
    text = row(case(OOM, [Guess("memory_leak", "api", 0.6)], [RESTART]), 12.0)
    assert "memory_leak/api 0.60" in text and "first=k8s.restart_deployment HARMFUL" in text
    assert "truth: oom_killed/api" in text
    assert "truth:" not in row(case(OOM, [Guess("oom_killed", "api", 0.9)]), 1.0)
    assert "SILENT" in row(case(OUTSIDE), 1.0) and "CRASH" in row(case(OOM, crashed="x"), 1.0)

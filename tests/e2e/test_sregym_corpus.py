"""The SREGym Kubernetes-platform set (tests/scenarios/sregym: scheduling, probes and rollouts,
Services and DNS, admission and RBAC problems of SREGym, a fourth peer suite) loads, replays
through the real webhooks with its investigations without a crash, and is never silent where its
truth holds a failure (issue 15 pts 8 and 9).

Same checks as ``test_itbench2_corpus.py`` (``tests/e2e/corpus.py``), over its own folder so that
its untuned figure stays separable; the held-out third is replayed for crashes only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.corpus import (
    Corpus,
    assert_every_case_cites,
    assert_every_incident_investigated,
    assert_held_out_is_the_seeded_draw,
    assert_replays_and_is_never_silent,
    assert_sources_and_held_out_third,
    params,
)

SREGYM = Corpus.named("sregym")

#: dev cases silent on main's rules when the set landed (xfail, not strict): none
KNOWN_SILENT: set[str] = set()


def _problem(path: Path) -> str:
    """The SREGym problem id a converted case names as its source."""
    found = re.search(r"SREGym/SREGym@\S+ \S+/problems/\S+\.py \((\w+)\)", path.read_text())
    assert found is not None, f"{path.name} names no source problem"
    return found.group(1)


@pytest.mark.parametrize("path", params(SREGYM.dev, KNOWN_SILENT))
def test_replays_without_crash_and_is_never_silent(path: Path) -> None:
    assert_replays_and_is_never_silent(path)


@pytest.mark.parametrize("path", SREGYM.held_out, ids=lambda p: p.stem)
def test_a_held_out_case_replays_and_every_incident_is_investigated(path: Path) -> None:
    assert_every_incident_investigated(path)


def test_the_set_is_there_with_its_sources_and_held_out_third() -> None:
    assert_sources_and_held_out_third(SREGYM, notice="MIT License", source=_problem, minimum=24)


def test_the_held_out_third_is_the_seeded_draw_over_the_case_names() -> None:
    assert_held_out_is_the_seeded_draw(SREGYM, 20261210)


def test_every_case_names_its_injection_and_carries_truth() -> None:
    assert_every_case_cites(SREGYM, "# injection: ", "SREGym/SREGym@")


def test_one_case_per_problem_type() -> None:
    problems = [_problem(path) for path in SREGYM.cases]
    assert len(problems) == len(set(problems))


def test_the_set_is_scored_only_when_named() -> None:
    """bench_rca's default run and --every leave it out (kept from tuning and calibration)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from tests.bench import bench_rca

    assert not any(name.startswith("sregym") for name in bench_rca.DEFAULT + bench_rca.EVERY)
    assert {p.stem for p in bench_rca.corpus("sregym")} == {p.stem for p in SREGYM.dev}
    assert {p.stem for p in bench_rca.corpus("sregym-heldout")} == SREGYM.held

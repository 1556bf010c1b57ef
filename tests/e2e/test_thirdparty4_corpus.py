"""The fourth third-party set (tests/scenarios/thirdparty4, converted from HolmesGPT's evaluation
suite after the first three were scored) loads, replays through the real webhooks with its
investigations without a crash, and is never silent where its truth holds a failure (issue 15 pts 8
and 9).

Same checks as ``test_thirdparty_corpus.py``, over the new folder; top-1 is bench_rca's figure. The
held-out third is only replayed for crashes here: whether its answers are silent is a per-case
outcome, and this set's held-out outcomes are read as bench totals only.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tests.e2e.test_thirdparty_corpus import (
    _listed,
    _params,
    _replayed,
    assert_none_reserved_or_earlier,
    assert_replays_and_is_never_silent,
    assert_sources_and_held_out_third,
)

THIRDPARTY4 = Path(__file__).resolve().parents[1] / "scenarios" / "thirdparty4"
CASES = sorted(THIRDPARTY4.glob("*.yaml"))
HELD = set(_listed((THIRDPARTY4 / "heldout.txt").read_text()))
DEV = [path for path in CASES if path.stem not in HELD]

#: dev cases silent on main's rules when the set landed (ask55, ask120: an alert naming no
#: service); none since an alert the rules cannot follow is answered like a question
KNOWN_SILENT: set[str] = set()


@pytest.mark.parametrize("path", _params(DEV, KNOWN_SILENT))
def test_replays_without_crash_and_is_never_silent(path: Path) -> None:
    assert_replays_and_is_never_silent(path)


@pytest.mark.parametrize("path", [p for p in CASES if p.stem in HELD], ids=lambda p: p.stem)
def test_a_held_out_case_replays_and_every_incident_is_investigated(path: Path) -> None:
    _, result = _replayed(path)
    assert result["incidents"], "the replay opened no incident"
    assert all(incident.get("investigation") is not None for incident in result["incidents"])


def test_the_set_is_there_with_its_sources_and_held_out_third() -> None:
    assert_sources_and_held_out_third(THIRDPARTY4, CASES)


def test_the_held_out_third_is_the_seeded_draw_over_the_source_folders() -> None:
    """heldout.txt: random.Random(20261208).sample over the sorted source folders, as files."""
    by_source = {
        re.findall(r"tests/llm/fixtures/(\S+)", path.read_text())[0]: path.stem for path in CASES
    }
    drawn = random.Random(20261208).sample(sorted(by_source), len(by_source) // 3)
    assert {by_source[name] for name in drawn} == HELD


def test_no_case_comes_from_a_reserved_or_already_converted_fixture() -> None:
    earlier = ("thirdparty", "thirdparty2", "thirdparty3")
    assert_none_reserved_or_earlier(CASES, [THIRDPARTY4.parent / f for f in earlier])

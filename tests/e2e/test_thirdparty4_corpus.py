"""The fourth third-party set (tests/scenarios/thirdparty4, converted from HolmesGPT's evaluation
suite after the first three were scored) loads, replays through the real webhooks with its
investigations without a crash, and is never silent where its truth holds a failure (issue 15 pts 8
and 9).

Same checks as ``test_thirdparty_corpus.py`` (``tests/e2e/corpus.py``), over the new folder;
top-1 is bench_rca's figure, and the held-out third is replayed for crashes only.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tests.e2e.corpus import (
    Corpus,
    assert_every_incident_investigated,
    assert_none_reserved_or_earlier,
    assert_replays_and_is_never_silent,
    assert_sources_and_held_out_third,
    params,
)

THIRDPARTY4 = Corpus.named("thirdparty4")

#: dev cases silent on main's rules when the set landed (ask55, ask120: an alert naming no
#: service); none since an alert the rules cannot follow is answered like a question
KNOWN_SILENT: set[str] = set()


@pytest.mark.parametrize("path", params(THIRDPARTY4.dev, KNOWN_SILENT))
def test_replays_without_crash_and_is_never_silent(path: Path) -> None:
    assert_replays_and_is_never_silent(path)


@pytest.mark.parametrize("path", THIRDPARTY4.held_out, ids=lambda p: p.stem)
def test_a_held_out_case_replays_and_every_incident_is_investigated(path: Path) -> None:
    assert_every_incident_investigated(path)


def test_the_set_is_there_with_its_sources_and_held_out_third() -> None:
    assert_sources_and_held_out_third(THIRDPARTY4)


def test_the_held_out_third_is_the_seeded_draw_over_the_source_folders() -> None:
    """heldout.txt: random.Random(20261208).sample over the sorted source folders, as files."""
    by_source = {
        re.findall(r"tests/llm/fixtures/(\S+)", path.read_text())[0]: path.stem
        for path in THIRDPARTY4.cases
    }
    drawn = random.Random(20261208).sample(sorted(by_source), len(by_source) // 3)
    assert {by_source[name] for name in drawn} == THIRDPARTY4.held


def test_no_case_comes_from_a_reserved_or_already_converted_fixture() -> None:
    assert_none_reserved_or_earlier(THIRDPARTY4, ["thirdparty", "thirdparty2", "thirdparty3"])

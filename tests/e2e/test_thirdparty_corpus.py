"""Every third-party case (tests/scenarios/thirdparty, converted from HolmesGPT's evaluation suite)
replays through the real webhooks with its investigations, without a crash, and is never silent:
an incident whose truth holds a failure gets at least one hypothesis (issue 15 pts 1 and 8).

Top-1 is not asserted here: the honest figures are bench_rca's, per corpus. The replay and its
checks are ``tests/e2e/corpus.py``'s, shared with the later sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.corpus import Corpus, assert_replays_and_is_never_silent, listed, params

THIRDPARTY = Corpus.named("thirdparty")

# Silent on the untuned bench (issue 15's "before" figure; the held-out ones were added after
# their single scoring). The never-silent promise is being built on other branches; when it
# lands these pass, and this list is deleted. Not strict, so the merge order does not matter.
#: cases still silent (xfail); empty now: every case answers, and the replay guards it
KNOWN_SILENT: set[str] = set()


@pytest.mark.parametrize("path", params(THIRDPARTY.cases, KNOWN_SILENT))
def test_replays_without_crash_and_is_never_silent(path: Path) -> None:
    assert_replays_and_is_never_silent(path)


def test_the_corpus_is_there() -> None:
    cases = THIRDPARTY.cases
    assert len(cases) >= 25
    readme = (THIRDPARTY.folder / "README.md").read_text()
    assert readme.count("Copyright (c) 2024 Robusta Dev Ltd") >= 1
    held = (THIRDPARTY.folder / "heldout.txt").read_text()
    assert "seed:" in held
    assert all(line.strip() + ".yaml" in {p.name for p in cases} for line in listed(held))

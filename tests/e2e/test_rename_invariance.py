"""An answer does not depend on what the services are called (issue 15, "General, not tuned").

A handful of small dev cases is replayed as written and with every service renamed to a made-up
word (bench_rename's harness: the same scorer as bench_rca): the top hypothesis (mapped back to
the original names), the first action and the marks must be the same. A rule that keys on a
service's name, or a tie broken by name, changes an answer here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_rename import _describe, pairs_for
from tests.bench.scenario_rename import rename_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ROOT = SCENARIOS.parents[1]

#: small dev cases (never a held-out one) whose answers rest on topology, time and signatures
CASES = [
    ROOT / "examples" / "scenarios" / "06-rds-down-alert-storm.yaml",
    SCENARIOS / "holdout" / "h09-external-provider-down.yaml",
    SCENARIOS / "aiopslab" / "al-hr-network-delay-user.yaml",
]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [0, 1])
def test_renaming_every_service_keeps_the_answer(path: Path, seed: int) -> None:
    for pair in pairs_for(path, lambda text: rename_scenario(text, seed)):
        assert not pair.changed, (
            f"{pair.name}: {_describe(pair.original)} became "
            f"{_describe(pair.rewritten, pair.rewrite.back)} once renamed {pair.rewrite.mapping}"
        )

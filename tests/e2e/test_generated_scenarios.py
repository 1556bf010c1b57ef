"""Generated scenarios (tests/bench/scenario_gen.py): every failure class of issue 15 with random
names, topology and noise loads through the sandbox's loader, and the bot's answer on a fixed
seed is never a crash, never silent and never a harmful write (bench_generated.py's figures;
issue 15 pts 1, 3 and 5 on cases nobody here wrote).
"""

from __future__ import annotations

import pytest

from tests.bench.bench_generated import run_generated, scenario_seeds
from tests.bench.rca_scoring import score
from tests.bench.scenario_faults import CLASSES, generate
from tests.bench.scenario_gen import KNOWN_WORDS, to_loaded


@pytest.mark.parametrize("fault_class", sorted(CLASSES))
def test_every_class_draws_valid_scenarios_with_a_truth_on_a_service_of_them(
    fault_class: str,
) -> None:
    for seed in range(3):
        doc = generate(fault_class, seed)
        loaded = to_loaded(doc)
        assert loaded.truth is not None and loaded.truth.root_cause is not None
        names = {s.name for s in loaded.scenario.services}
        assert loaded.truth.root_cause.service in names
        assert 4 <= len(names) <= 14
        root_alert = loaded.truth.incidents[0].root_alert
        assert root_alert in loaded.truth.incidents[0].alerts


def test_the_same_seed_draws_the_same_scenario_and_another_seed_another() -> None:
    assert generate("bad_deploy", 3) == generate("bad_deploy", 3)
    assert generate("bad_deploy", 3)["services"] != generate("bad_deploy", 4)["services"]


def test_names_are_made_up() -> None:
    """No service is named like anything a rule might know (no -api, -db, redis, payment…)."""
    for name in CLASSES:
        for seed in range(4):
            for service in generate(name, seed)["services"]:
                assert not KNOWN_WORDS.search(service["name"]), service["name"]


SEED = 7  # bench_generated's default: scenario_seeds(7, 1) is each class's first draw there
#: classes whose first draw the rules do not rank right (top-3), with why (tests/bench/README.md)
KNOWN_MISSES: dict[str, str] = {}


@pytest.mark.parametrize("fault_class", sorted(CLASSES))
def test_never_a_crash_silence_or_harmful_write_and_top3_on_a_fixed_seed(fault_class: str) -> None:
    """Each class's first draw of the bench's seed: never a crash, never silent, never a harmful
    write, and the right service and kind in the top three (the known misses excepted). Fails
    when, say, the causes-outside reasoning is removed (a provider missing from the graph's
    edges) or the no-harmful-fix rules are (a rollback of an unrelated deploy)."""
    for seed in scenario_seeds(SEED, 1):
        doc = generate(fault_class, seed)
        for outcome in run_generated(doc, doc["name"]):
            s = score(outcome)
            got = [(h.kind, h.service) for h in outcome.hypotheses[:3]]
            first = outcome.actions[0].action if outcome.actions else None
            where = f"{doc['name']} ({doc['summary']}): top {got}, first {first}"
            assert not s.crashed, f"{where}: {outcome.crashed}"
            assert not s.silent, where
            assert not s.harmful, where
            if fault_class not in KNOWN_MISSES:
                assert s.top3, f"{where}; truth {outcome.truth.kind}/{outcome.truth.service}"

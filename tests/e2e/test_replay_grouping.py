"""Every example scenario, replayed through the real webhooks: grouping and root_alert must equal
``truth.incidents`` exactly (truth is loaded here, in the test, never by the replay)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.replay.runner import replay
from sandbox.scenario import load_scenario
from tests.conftest import example_scenarios


@pytest.mark.parametrize("path", example_scenarios(), ids=lambda p: p.stem)
def test_grouping_and_root_match_truth(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.truth is not None, "example scenarios carry truth"
    result = replay(loaded.scenario)
    got = sorted((sorted(i["alerts"]), i["root_alert"]) for i in result["incidents"])
    want = sorted((sorted(i.alerts), i.root_alert) for i in loaded.truth.incidents)
    assert got == want
    assert result["scenario"] == loaded.scenario.name
    for inc in result["incidents"]:
        assert inc["id"] and inc["title"]


def test_examples_present(scenarios_dir: Path) -> None:
    assert example_scenarios(), f"no *.yaml in {scenarios_dir}"

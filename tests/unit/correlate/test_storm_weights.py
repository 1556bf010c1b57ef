"""The storm election's weights are data (``playbooks/storms/election.yaml``): validated at
load, the defaults of ``CorrelationConfig`` and ``StormEvidence``, overridden by explicit values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.correlate.entities import EntityMap
from bot.correlate.models import CorrelationConfig
from bot.correlate.storm import StormEvidence
from bot.correlate.weights import WEIGHTS_FILE, load_weights
from bot.errors import UserError


def test_the_shipped_weights_load_and_are_the_defaults() -> None:
    weights = load_weights()
    config = CorrelationConfig()
    assert config.storm_own_margin == weights.own_margin
    assert config.storm_lead == timedelta(seconds=weights.lead_seconds)
    assert config.storm_own_weight == weights.own_weight
    assert config.storm_fan_in_power == weights.fan_in_power
    assert config.storm_pass_down == weights.pass_down
    assert config.storm_entity_share == weights.entity_share
    assert config.storm_early_margin == weights.early_margin
    assert StormEvidence(EntityMap(["web"])).config == config


def test_explicit_values_override_the_file() -> None:
    config = CorrelationConfig(storm_own_margin=7.5, storm_lead=timedelta(seconds=3))
    assert config.storm_own_margin == 7.5
    assert config.storm_lead == timedelta(seconds=3)


@pytest.mark.parametrize(
    ("change", "where"),
    [("own_margin: 3.0", "own_margin"), ("pass_down: 0.5", "pass_down")],
)
def test_a_bad_file_is_a_load_error_naming_it(tmp_path: Path, change: str, where: str) -> None:
    text = WEIGHTS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "election.yaml"
    bad.write_text(text.replace(change, f"{where}: -1"), encoding="utf-8")
    with pytest.raises(UserError, match=f"election.yaml: {where}"):
        load_weights(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text(text + "\nown_margn: 2\n", encoding="utf-8")
    with pytest.raises(UserError, match="own_margn"):
        load_weights(typo)

"""The storm election's weights are data (``playbooks/storms/election.yaml``): validated at
load, the defaults of ``CorrelationConfig`` and ``StormEvidence``, overridden by explicit values.
So is what a verdict's confidence means (``confidence.yaml``, per basis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.correlate import AlertFacts, Correlator, StormVerdict
from bot.correlate.entities import EntityMap
from bot.correlate.models import CorrelationConfig
from bot.correlate.storm import StormEvidence
from bot.correlate.weights import WEIGHTS_FILE, Calibration, load_calibration, load_weights
from bot.errors import UserError
from bot.topology import Topology

T0 = datetime(2025, 1, 1, tzinfo=UTC)


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


def _storm_verdict(config: CorrelationConfig | None = None) -> StormVerdict:
    """A storm elected over the calls: two callers see one callee slow."""
    topology = Topology({"web": ["ledger"], "ledger": []})
    corr = Correlator(topology, config=config)
    for i, caller in enumerate(("web-0", "web-1")):
        labels = {"caller": caller, "callee": "ledger-0", "operation": "ledger/Get"}
        corr.place(AlertFacts(f"c{i}", T0, "trace:PD", "ledger", labels))
    key = corr.group_of("c0")
    assert key is not None
    verdict = corr.storm_verdict(key)
    assert verdict is not None and verdict.basis == "calls"
    return verdict


def test_a_verdicts_confidence_is_what_its_basis_turned_out_to_mean() -> None:
    shipped = load_calibration()
    raw = _storm_verdict(CorrelationConfig(storm_calibrated=False))
    verdict = _storm_verdict()
    assert verdict.confidence == shipped.confidence("calls", raw.confidence)
    assert verdict.confidence != raw.confidence
    assert verdict.service == raw.service and verdict.why == raw.why


def test_bins_read_the_raw_confidence_and_an_unlisted_basis_keeps_it() -> None:
    bins = [{"up_to": 0.4, "confidence": 0.2}, {"up_to": 1.0, "confidence": 0.6}]
    calibration = Calibration.model_validate({"bases": {"calls": bins}})
    assert calibration.confidence("calls", 0.3) == 0.2
    assert calibration.confidence("calls", 0.4) == 0.2
    assert calibration.confidence("calls", 0.5) == 0.6
    assert calibration.confidence("change", 0.8) == 0.8


@pytest.mark.parametrize(
    "bins",
    [
        "[{up_to: 0.5, confidence: 0.3}]",  # does not reach 1.0
        "[{up_to: 1.0, confidence: 0.3}, {up_to: 0.5, confidence: 0.2}]",  # falls
        "[{up_to: 1.0, confidence: 1.3}]",  # not a probability
    ],
)
def test_bad_confidence_bins_are_a_load_error(tmp_path: Path, bins: str) -> None:
    bad = tmp_path / "confidence.yaml"
    bad.write_text(f"bases:\n  calls: {bins}\n", encoding="utf-8")
    with pytest.raises(UserError, match="confidence.yaml: bases"):
        load_calibration(bad)

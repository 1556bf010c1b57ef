"""The storm election's weights (``playbooks/storms/election.yaml``) and what its verdicts'
confidences mean (``confidence.yaml``), as data validated at load: a typo in a key or a value
out of range is an error naming the file and the key."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, field_validator

from bot.configfile import FrozenModel, load_yaml_mapping, read_text, validate_model

M = TypeVar("M", bound=BaseModel)
WEIGHTS_FILE = Path(__file__).resolve().parents[2] / "playbooks" / "storms" / "election.yaml"


class StormWeights(FrozenModel):
    """See the comments of ``election.yaml`` for what each weight does."""

    own_margin: float = Field(gt=0.0, le=20.0)
    lead_seconds: float = Field(ge=0.0, le=600.0)
    early_margin: float = Field(ge=0.0, le=20.0)
    own_weight: float = Field(ge=0.0, le=10.0)
    fan_in_power: float = Field(ge=0.0, le=5.0)
    pass_down: float = Field(ge=0.0, le=1.0)
    entity_share: float = Field(ge=0.0, le=1.0)


def _load(model: type[M], path: Path, what: str) -> M:
    """``path`` validated as ``model``; a mistake is a ``UserError`` naming the file and key."""
    text = read_text(path, what=what, hint="restore it from git")
    raw = load_yaml_mapping(text, source=path.name, expected="a mapping")
    return validate_model(model, raw, source=path.name)


def load_weights(path: Path = WEIGHTS_FILE) -> StormWeights:
    return _load(StormWeights, path, "the storm election's weights")


@lru_cache(maxsize=1)
def storm_weights() -> StormWeights:
    return load_weights()


CONFIDENCE_FILE = WEIGHTS_FILE.with_name("confidence.yaml")


class ConfidenceBin(FrozenModel):
    """Raw confidences up to ``up_to`` (and above the previous bin's) stand for ``confidence``."""

    up_to: float = Field(ge=0.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)


class Calibration(FrozenModel):
    """Per basis of a storm verdict, what its raw confidence turned out to mean (fitted by
    ``tests/bench/bench_storms.py --calibrate``). A basis not listed keeps its raw confidence."""

    bases: dict[str, list[ConfidenceBin]] = Field(default_factory=dict)

    @field_validator("bases")
    @classmethod
    def _ordered(cls, bases: dict[str, list[ConfidenceBin]]) -> dict[str, list[ConfidenceBin]]:
        for basis, bins in bases.items():
            edges = [b.up_to for b in bins]
            if not bins or edges != sorted(set(edges)) or edges[-1] != 1.0:
                raise ValueError(f"{basis}: bins must rise strictly and the last be up_to 1.0")
        return bases

    def confidence(self, basis: str, raw: float) -> float:
        for b in self.bases.get(basis, ()):
            if raw <= b.up_to:
                return b.confidence
        return raw


def load_calibration(path: Path = CONFIDENCE_FILE) -> Calibration:
    return _load(Calibration, path, "the storm verdicts' confidences")


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    return load_calibration()

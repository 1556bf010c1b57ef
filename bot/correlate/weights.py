"""The weights of the storm election as data (``playbooks/storms/election.yaml``), validated at
load: a typo in a key or a weight out of range is an error naming the file and the key."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.configfile import load_yaml_mapping, read_text, validate_model

WEIGHTS_FILE = Path(__file__).resolve().parents[2] / "playbooks" / "storms" / "election.yaml"


class StormWeights(BaseModel):
    """See the comments of ``election.yaml`` for what each weight does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    own_margin: float = Field(gt=0.0, le=20.0)
    lead_seconds: float = Field(ge=0.0, le=600.0)
    early_margin: float = Field(ge=0.0, le=20.0)
    own_weight: float = Field(ge=0.0, le=10.0)
    fan_in_power: float = Field(ge=0.0, le=5.0)
    pass_down: float = Field(ge=0.0, le=1.0)
    entity_share: float = Field(ge=0.0, le=1.0)


def load_weights(path: Path = WEIGHTS_FILE) -> StormWeights:
    """The weights, validated; a mistake is a ``UserError`` naming the file and the key."""
    text = read_text(path, what="the storm election's weights", hint="restore it from git")
    raw = load_yaml_mapping(text, source=path.name, expected="a mapping of weights")
    return validate_model(StormWeights, raw, source=path.name)


@lru_cache(maxsize=1)
def storm_weights() -> StormWeights:
    return load_weights()

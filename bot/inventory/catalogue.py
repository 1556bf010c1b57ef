"""The inventory's resource types and question words (``types.yaml``), validated on load."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, model_validator

from bot.configfile import FrozenModel, validate_knowledge
from bot.errors import ConfigError
from bot.yamlloc import load_yaml

TYPES_FILE = Path(__file__).with_name("types.yaml")


class ResourceType(FrozenModel):
    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: Literal["aws", "kubernetes"]
    aliases: list[str] = Field(default_factory=list)
    columns: list[str] = Field(min_length=1)
    reach: Literal["regional", "global"] = "regional"


class QuestionWords(FrozenModel):
    words: list[str] = Field(min_length=1)
    filter: str


class Catalogue(FrozenModel):
    types: list[ResourceType] = Field(min_length=1)
    tag_keys: dict[str, list[str]] = Field(default_factory=dict)
    values: dict[str, list[str]] = Field(default_factory=dict)
    intents: list[str] = Field(default_factory=list)
    words: list[QuestionWords] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        seen: dict[str, str] = {}
        for t in self.types:
            for name in (t.type, *t.aliases):
                key = name.lower()
                if seen.get(key, t.type) != t.type:
                    raise ValueError(f"{name!r} names both {seen[key]} and {t.type}")
                seen[key] = t.type
        return self

    def type_named(self, name: str) -> ResourceType | None:
        """The type called ``name`` or one of its aliases (case-insensitive)."""
        key = " ".join(name.lower().replace("-", " ").split())
        for t in self.types:
            if key == t.type or key in (a.lower() for a in t.aliases):
                return t
        return None

    @property
    def names(self) -> list[str]:
        return [t.type for t in self.types]


def parse_catalogue(text: str, origin: str = "types.yaml") -> Catalogue:
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from None
    return validate_knowledge(Catalogue, raw, origin=origin)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded once."""
    return parse_catalogue(TYPES_FILE.read_text(), str(TYPES_FILE))

"""The compliance rules (``rules.yaml`` plus an optional file of one's own), validated."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.configfile import validate_knowledge
from bot.errors import ConfigError, UserError
from bot.inventory.catalogue import ResourceType, catalogue
from bot.inventory.query import Filter, parse_filter
from bot.yamlloc import load_yaml

RULES_FILE = Path(__file__).with_name("rules.yaml")
Severity = Literal["critical", "high", "medium", "low"]


def _filters(value: list[str]) -> list[str]:
    for word in value:
        try:
            parse_filter(word)
        except UserError as exc:
            raise ValueError(exc.message) from None
    return value


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str
    cis: str | None = None
    severity: Severity = "medium"
    type: str
    where: list[str] = Field(default_factory=list)
    require: list[str] = Field(min_length=1)

    _check_where = field_validator("where")(_filters)
    _check_require = field_validator("require")(_filters)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if catalogue().type_named(value) is None:
            raise ValueError(f"unknown resource type {value!r}; one of {catalogue().names}")
        return value

    @property
    def resource_type(self) -> ResourceType:
        found = catalogue().type_named(self.type)
        assert found is not None  # checked on load
        return found

    @property
    def where_filters(self) -> list[Filter]:
        return [parse_filter(w) for w in self.where]

    @property
    def require_filters(self) -> list[Filter]:
        return [parse_filter(w) for w in self.require]


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Rule] = Field(min_length=1)


def parse_rules(text: str, origin: str) -> list[Rule]:
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}") from None
    return validate_knowledge(RuleSet, raw, origin=origin).rules


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[Rule, ...]:
    return tuple(parse_rules(RULES_FILE.read_text(), str(RULES_FILE)))


def load_rules(extra: Path | None = None) -> list[Rule]:
    """The built-in rules, with those of ``extra`` added (same id: replaced)."""
    rules = {r.id: r for r in builtin_rules()}
    if extra is not None:
        if not extra.is_file():
            raise ConfigError(f"compliance rules file {extra} does not exist")
        rules |= {r.id: r for r in parse_rules(extra.read_text(), str(extra))}
    return list(rules.values())

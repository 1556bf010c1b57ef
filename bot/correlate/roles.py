"""What an anomaly on a service's own entities says about it: a cause of its own or a symptom.

The rules are data (``playbooks/storms/alert_roles.yaml``), validated here at load: a typo in a
key or a bad regular expression is a load error naming the file, not a rule that never fires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError

ROLES_FILE = Path(__file__).resolve().parents[2] / "playbooks" / "storms" / "alert_roles.yaml"
ROLES = ("change", "crash", "error", "resource", "symptom", "routine")


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class RoleRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = Field(pattern="^(" + "|".join(ROLES) + ")$")
    weight: float = Field(ge=0.0, le=10.0)
    name: str | None = None
    text: str | None = None
    collapse: bool = False

    _check_name = field_validator("name", "text")(_regex)


class RoleRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[RoleRule] = Field(min_length=1)


@dataclass(frozen=True)
class Role:
    """The role of one alert: ``key`` is what distinct anomalies of an entity are counted by."""

    role: str
    weight: float
    key: str


class RoleBook:
    def __init__(self, rules: RoleRules) -> None:
        self._rules = [
            (
                r,
                re.compile(r.name, re.IGNORECASE) if r.name else None,
                re.compile(r.text, re.IGNORECASE) if r.text else None,
            )
            for r in rules.rules
        ]

    def classify(self, name: str, text: str = "", kpi: str = "") -> Role:
        subject = f"{name} {kpi}".strip()
        for rule, name_re, text_re in self._rules:
            if name_re is not None and not name_re.search(subject):
                continue
            if text_re is not None and not text_re.search(text):
                continue
            return Role(rule.role, rule.weight, f"{rule.role}" if rule.collapse else name)
        return Role("symptom", 0.0, name)


def load_roles(path: Path = ROLES_FILE) -> RoleBook:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RoleBook(RoleRules.model_validate(raw))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None


@lru_cache(maxsize=1)
def roles() -> RoleBook:
    return load_roles()

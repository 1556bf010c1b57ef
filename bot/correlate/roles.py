"""What an anomaly on a service's own entities says about it: a cause of its own or a symptom.

The rules are data (``playbooks/storms/alert_roles.yaml``), validated here at load: a typo in a
key or a bad regular expression is a load error naming the file, not a rule that never fires.

Two readings come from it:

- the **role** of an alert (change, crash, error, resource, symptom, routine) and its weight,
  by the first rule whose patterns match its name, metric and log line;
- the **family** of a metric, what distinct anomalies of one entity are counted by: exporters
  publish one quantity under many names (per CPU core or device, a normalised twin, a total
  beside its parts, several units), and eighteen per-core CPU alerts are one anomaly, not
  eighteen. The family is the metric's name after the file's ``families`` rewrites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.configfile import validate_knowledge
from bot.errors import ConfigError
from bot.yamlloc import load_yaml

ROLES_FILE = Path(__file__).resolve().parents[2] / "playbooks" / "storms" / "alert_roles.yaml"
ROLES = ("change", "crash", "error", "resource", "symptom", "routine")
_CACHE_MAX = 10_000
_EDGES = re.compile(r"^[\s:._/-]+|[\s:._/-]+$")


def _regex(value: str | list[str] | None) -> str | list[str] | None:
    for text in [value] if isinstance(value, str) else value or []:
        try:
            re.compile(text)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class RoleRule(BaseModel):
    """``name`` is searched in the alert's name and metric; ``text`` (one pattern, or a list
    that must all match) in its log line. ``collapse`` counts every alert of the rule on one
    entity as one anomaly, under ``key`` (default: the role)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = Field(pattern="^(" + "|".join(ROLES) + ")$")
    weight: float = Field(ge=0.0, le=10.0)
    name: str | None = None
    text: str | list[str] | None = None
    collapse: bool = False
    key: str | None = Field(default=None, min_length=1)

    _check_name = field_validator("name", "text")(_regex)

    @model_validator(mode="after")
    def _key_needs_collapse(self) -> RoleRule:
        if self.key is not None and not self.collapse:
            raise ValueError("key names what a collapsed rule counts by: set collapse: true")
        return self


class FamilyRewrite(BaseModel):
    """One rewrite of a metric's name towards its family (``re.sub``, case-insensitive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(min_length=1)
    replace: str = ""

    _check = field_validator("pattern")(_regex)


class RoleRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    families: list[FamilyRewrite] = Field(default_factory=list)
    direction: str | None = None  # its first group, in an alert's name, is shown with the family

    _check = field_validator("direction")(_regex)
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
                [
                    re.compile(t, re.IGNORECASE)
                    for t in ([r.text] if isinstance(r.text, str) else r.text or [])
                ],
            )
            for r in rules.rules
        ]
        self._rewrites = [(re.compile(f.pattern, re.IGNORECASE), f.replace) for f in rules.families]
        self._families: dict[str, str] = {}
        self._direction = re.compile(rules.direction, re.IGNORECASE) if rules.direction else None

    def family(self, metric: str) -> str:
        """The family of a metric name (``docker_cpu_core_7_norm_pct`` → ``docker_cpu``): the
        name lower-cased, rewritten by each ``families`` rule in turn; the name itself when the
        rewrites leave nothing."""
        known = self._families.get(metric)
        if known is not None:
            return known
        text = metric.strip().lower()
        for pattern, replace in self._rewrites:
            text = pattern.sub(replace, text)
        found = _EDGES.sub("", text) or metric.strip().lower()
        if len(self._families) >= _CACHE_MAX:
            self._families.clear()
        self._families[metric] = found
        return found

    def anomaly(self, name: str, kpi: str = "") -> str:
        """What one anomaly of an entity is counted by: the family of its metric (the ``kpi``
        label, else the alert's name) with the direction the name gives (``docker_cpu up``)."""
        found = self._direction.search(name) if self._direction is not None else None
        family = self.family(kpi or name)
        return f"{family} {found.group(1).lower()}" if found and found.groups() else family

    def classify(self, name: str, text: str = "", kpi: str = "") -> Role:
        subject = f"{name} {kpi}".strip()
        for rule, name_re, text_res in self._rules:
            if name_re is not None and not name_re.search(subject):
                continue
            if text_res and not all(t.search(text) for t in text_res):
                continue
            key = (rule.key or rule.role) if rule.collapse else self.anomaly(name, kpi)
            return Role(rule.role, rule.weight, key)
        return Role("symptom", 0.0, self.anomaly(name, kpi))


def load_roles(path: Path = ROLES_FILE) -> RoleBook:
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return RoleBook(validate_knowledge(RoleRules, raw, origin=str(path)))


@lru_cache(maxsize=1)
def roles() -> RoleBook:
    return load_roles()

"""Playbook YAML schema (validated at load; errors read ``FILE:LINE: key: reason``).

A playbook covers one incident type: ``triggers`` (how classification picks it),
``steps`` (diagnostic primitives + params), ``hypotheses`` (analysis rules: structured matchers
over findings, never expressions to evaluate) and ``remediations`` (registry actions with
param templates). See docs/playbooks.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from bot.configfile import FrozenModel
from bot.errors import ConfigError
from bot.investigate.finding_types import where_problem
from bot.investigate.models import FindingType
from bot.yamlloc import YamlLocator, load_yaml

PLAYBOOK_DIR = Path(__file__).resolve().parents[2] / "playbooks"
_MATCH_REF = re.compile(r"\{m\.([A-Za-z_][A-Za-z0-9_]*)\}")


class Matcher(FrozenModel):
    """Matches one finding: its ``type``, where it sits (``scope``) and attribute conditions.

    ``where`` values: a scalar (equal), a list (any of), or ``{gte: x}`` / ``{lte: x}``.
    """

    type: FindingType
    scope: Literal["self", "dependency", "dependent", "any"] = "self"
    where: dict[str, Any] = Field(default_factory=dict)

    @field_validator("where")
    @classmethod
    def _conditions(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, cond in value.items():
            if isinstance(cond, dict) and not set(cond) <= {"gte", "lte", "ne"}:
                raise ValueError(f"{key}: only gte / lte / ne are allowed in a condition")
        return value


class Weighted(FrozenModel):
    match: Matcher
    weight: float = Field(ge=0.0, le=1.0)


class HypothesisRule(FrozenModel):
    kind: str
    summary: str
    base: float = Field(ge=0.0, le=1.0)
    service_kinds: list[str] = Field(default_factory=list)  # empty = any
    all: list[Matcher] = Field(default_factory=list)
    any: list[Matcher] = Field(default_factory=list)
    support: list[Weighted] = Field(default_factory=list)
    against: list[Weighted] = Field(default_factory=list)


class Remediation(FrozenModel):
    action: str
    kinds: list[str] = Field(min_length=1)  # hypothesis kinds it fixes
    service_kinds: list[str] = Field(default_factory=list)
    when: Matcher | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    rationale: str


class Step(FrozenModel):
    primitive: str
    name: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Triggers(FrozenModel):
    keywords: list[str] = Field(default_factory=list)
    alert_names: list[str] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)  # metric signals of linked alerts
    service_kinds: list[str] = Field(default_factory=list)


class Playbook(FrozenModel):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    incident_class: str
    description: str = ""
    coverage: str = ""  # the coverage-matrix row it answers
    triggers: Triggers = Field(default_factory=Triggers)
    always: bool = False  # runs on every investigation (general triage)
    steps: list[Step] = Field(default_factory=list)
    hypotheses: list[HypothesisRule] = Field(default_factory=list)
    remediations: list[Remediation] = Field(default_factory=list)


def _matchers(book: Playbook) -> Iterator[tuple[tuple[Any, ...], Matcher]]:
    for i, rule in enumerate(book.hypotheses):
        for group in ("all", "any"):
            for j, m in enumerate(getattr(rule, group)):
                yield ("hypotheses", i, group, j), m
        for group in ("support", "against"):
            for j, w in enumerate(getattr(rule, group)):
                yield ("hypotheses", i, group, j, "match"), w.match
    for i, rem in enumerate(book.remediations):
        if rem.when is not None:
            yield ("remediations", i, "when"), rem.when


def _check_attributes(book: Playbook, where: YamlLocator) -> None:
    """Every ``where`` key and ``{m.key}`` template names an attribute its finding type
    declares (``finding_types``): a misspelt key fails here instead of never matching."""
    for loc, m in _matchers(book):
        for key, cond in m.where.items():
            problem = where_problem(m.type, key, cond)
            if problem:
                raise ConfigError(f"{where((*loc, 'where', key))}: {problem}")
    for i, rem in enumerate(book.remediations):
        for name, value in rem.params.items():
            for key in _MATCH_REF.findall(str(value)):
                loc = ("remediations", i, "params", name)
                if rem.when is None:
                    raise ConfigError(f"{where(loc)}: {{m.{key}}} needs a 'when' matcher")
                problem = where_problem(rem.when.type, key, None)
                if problem:
                    raise ConfigError(f"{where(loc)}: m.{key}: {problem}")


def load_playbook(path: Path, *, primitives: set[str], actions: set[str]) -> Playbook:
    text = path.read_text()
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path.name}{line}: not valid YAML: {exc}") from None
    where = YamlLocator.of_text(path.name, text)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name}:1: a playbook is a mapping")
    try:
        book = Playbook.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{where(tuple(first['loc']))}: {first['msg']}") from None
    for i, step in enumerate(book.steps):
        if step.primitive not in primitives:
            raise ConfigError(
                f"{where(('steps', i, 'primitive'))}: unknown primitive {step.primitive!r}"
            )
    for i, rem in enumerate(book.remediations):
        if rem.action not in actions:
            raise ConfigError(
                f"{where(('remediations', i, 'action'))}: unknown action {rem.action!r}"
            )
    _check_attributes(book, where)
    if path.stem != book.name:
        raise ConfigError(f"{where(('name',))}: must equal the file name ({path.stem!r})")
    return book

"""YAML runbooks: a named list of registry actions, parameters templated only from typed inputs.

``playbooks/runbooks/<name>.yaml``::

    name: restart-then-scale
    description: restart a deployment, then add one replica
    inputs:
      target: {type: str}
      namespace: {type: str, default: prod}
      replicas: {type: int, default: 3}
    steps:
      - action: k8s.restart_deployment
        params: {namespace: "{namespace}", name: "{target}"}
      - action: k8s.scale_deployment
        params: {namespace: "{namespace}", name: "{target}", replicas: "{replicas}"}

A parameter value that is exactly ``"{input}"`` becomes the typed input value; a string that
contains ``{input}`` is filled with its text. Nothing else is evaluated: no shell, no
expressions. Every step must name a registry action whose parameters validate once rendered,
and no step may be high risk (those run as their own request, so they get two approvers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError, UserError
from bot.remediate.enums import Risk
from bot.remediate.models import Lookup

RUNBOOK_DIR = Path(__file__).resolve().parents[2] / "playbooks" / "runbooks"
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_WHOLE = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
_RANK = {Risk.READ: 0, Risk.LOW: 1, Risk.MEDIUM: 2, Risk.HIGH: 3}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(_Model):
    type: Literal["str", "int", "float", "bool"] = "str"
    default: str | int | float | bool | None = None
    description: str = ""


class Step(_Model):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)


class Runbook(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    inputs: dict[str, Input] = Field(default_factory=lambda: {"target": Input()})
    steps: list[Step] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _no_runbook_in_runbook(cls, steps: list[Step]) -> list[Step]:
        if any(s.action == "runbook.run" for s in steps):
            raise ValueError("a runbook cannot run another runbook")
        return steps

    def coerce(self, given: dict[str, Any]) -> dict[str, Any]:
        """Typed input values (defaults filled); unknown or missing inputs are errors."""
        unknown = sorted(set(given) - set(self.inputs))
        if unknown:
            raise UserError(
                f"runbook {self.name}: unknown input(s) {unknown}",
                hint=f"inputs: {sorted(self.inputs)}",
            )
        out: dict[str, Any] = {}
        for key, spec in self.inputs.items():
            value = given.get(key, spec.default)
            if value is None:
                raise UserError(f"runbook {self.name}: input {key!r} is required")
            try:
                typ = _TYPES[spec.type]
                out[key] = value if isinstance(value, typ) else typ(value)
            except (TypeError, ValueError):
                raise UserError(
                    f"runbook {self.name}: input {key!r} must be {spec.type}, got {value!r}"
                ) from None
        return out


@dataclass(frozen=True)
class RenderedStep:
    action: str
    params: dict[str, Any]


def _fill(value: Any, inputs: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            return inputs[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(inputs[m.group(1)]), value)
    if isinstance(value, list):
        return [_fill(v, inputs) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, inputs) for k, v in value.items()}
    return value


def _placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, list):
        return set().union(*(_placeholders(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_placeholders(v) for v in value.values())) if value else set()
    return set()


def render(book: Runbook, given: dict[str, Any], *, lookup: Lookup) -> list[RenderedStep]:
    """The runbook's steps with inputs filled and each step's params validated."""
    inputs = book.coerce(given)
    steps = []
    for step in book.steps:
        params = _fill(step.params, inputs)
        typed = lookup(step.action).validate(params)
        steps.append(RenderedStep(step.action, typed.model_dump(mode="json")))
    return steps


def check(book: Runbook, where: str = "", *, lookup: Lookup) -> Runbook:
    """Load-time checks: actions exist, placeholders name inputs, no high-risk step."""
    for i, step in enumerate(book.steps, 1):
        try:
            spec = lookup(step.action)
        except UserError as exc:
            raise ConfigError(f"{where}runbook {book.name} step {i}: {exc}") from None
        if _RANK[spec.risk] > _RANK[Risk.MEDIUM]:
            raise ConfigError(
                f"{where}runbook {book.name} step {i}: {step.action} is {spec.risk} risk; "
                "run it as its own action so it gets a second approver"
            )
        missing = _placeholders(step.params) - set(book.inputs)
        if missing:
            raise ConfigError(
                f"{where}runbook {book.name} step {i}: unknown placeholder(s) {sorted(missing)}"
            )
    return book


def parse(text: str, where: str = "runbook", *, lookup: Lookup) -> Runbook:
    try:
        data = yaml.safe_load(text)
        book = Runbook.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "runbook"
        raise ConfigError(f"{where}: {loc}: {first['msg']}") from None
    return check(book, f"{where}: ", lookup=lookup)


def load_runbooks(directory: Path | None = None, *, lookup: Lookup) -> dict[str, Runbook]:
    """Every runbook of ``directory``, checked against the actions ``lookup`` knows."""
    folder = directory or RUNBOOK_DIR
    books: dict[str, Runbook] = {}
    for path in sorted(folder.glob("*.yaml")):
        book = parse(path.read_text(), path.name, lookup=lookup)
        if path.stem != book.name:
            raise ConfigError(f"{path.name}: name must equal the file name ({path.stem!r})")
        books[book.name] = book
    return books

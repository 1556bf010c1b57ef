"""YAML runbooks: a named list of registry actions, parameters templated only from typed inputs.

``playbooks/runbooks/<name>.yaml`` (or the git repository of ``AIOPS_RUNBOOKS_GIT_URL``)::

    name: restart-then-scale
    description: restart a deployment, then add one replica
    triggers: {kinds: [memory_leak], signatures: [oom_killed]}
    mode: semi_auto               # manual | semi_auto | auto
    approval_timeout_minutes: 15
    rate_limit: {max: 2, per_minutes: 60}
    inputs:
      target: {type: str}
      namespace: {type: str, default: prod}
      replicas: {type: int, default: 3}
    steps:
      - action: k8s.restart_deployment
        params: {namespace: "{namespace}", name: "{target}"}
      - action: k8s.scale_deployment
        params: {namespace: "{namespace}", name: "{target}", replicas: "{replicas}"}
        rollback: none            # undo (default) | none | {action, params}

A parameter value that is exactly ``"{input}"`` becomes the typed input value; a string that
contains ``{input}`` is filled with its text. Nothing else is evaluated: no shell, no
expressions. Every step (and every rollback action) must name a registry action whose parameters
validate once rendered, and none may be high risk (those run as their own request, so they get
two approvers). Errors read ``FILE:LINE: key: reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from bot.configfile import FrozenModel
from bot.errors import ConfigError, UserError
from bot.remediate.enums import Risk
from bot.remediate.models import Lookup
from bot.yamlloc import YamlLocator, load_yaml, yaml_error_line

RUNBOOK_DIR = Path(__file__).resolve().parents[2] / "playbooks" / "runbooks"
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_WHOLE = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
_RANK = {Risk.READ: 0, Risk.LOW: 1, Risk.MEDIUM: 2, Risk.HIGH: 3}


class Mode(StrEnum):
    """How a runbook whose trigger matches is offered in an investigation."""

    MANUAL = "manual"  # named in the summary; someone runs it with `/aiops runbook run`
    SEMI_AUTO = "semi_auto"  # proposed with [Approve] / [Reject]; always waits for a click
    AUTO = "auto"  # proposed; runs at once where the policy auto-approves runbook.run


class Triggers(FrozenModel):
    """When an investigation offers the runbook: a hypothesis of one of ``kinds``, or a finding
    with one of ``signatures`` (a failure-signature family such as ``oom_killed`` or a
    catalogue id such as ``k8s.oom_killed``)."""

    kinds: list[str] = Field(default_factory=list)
    signatures: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> Triggers:
        if not self.kinds and not self.signatures:
            raise ValueError("name at least one hypothesis kind or failure signature")
        return self


class RateLimit(FrozenModel):
    """At most ``max`` requests of this runbook per ``per_minutes`` (proposals beyond it are
    refused with the reason)."""

    max: int = Field(ge=1)
    per_minutes: int = Field(ge=1, le=7 * 24 * 60)


class Input(FrozenModel):
    type: Literal["str", "int", "float", "bool"] = "str"
    default: str | int | float | bool | None = None
    description: str = ""


class Rollback(FrozenModel):
    """A step's own rollback: another registry action, params templated like the step's."""

    action: str
    params: dict[str, Any] = Field(default_factory=dict)


class Step(FrozenModel):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    # undo: the action's registry undo · none: leave this step as it is · or an action to run
    rollback: Literal["undo", "none"] | Rollback = "undo"


class Runbook(FrozenModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    triggers: Triggers | None = None
    mode: Mode = Mode.MANUAL
    approval_timeout_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    rate_limit: RateLimit | None = None
    inputs: dict[str, Input] = Field(default_factory=lambda: {"target": Input()})
    steps: list[Step] = Field(min_length=1)

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


def render_rollback(
    book: Runbook, index: int, given: dict[str, Any], *, lookup: Lookup
) -> RenderedStep | None:
    """Step ``index``'s own rollback action, rendered and validated (None: undo or none)."""
    rollback = book.steps[index].rollback
    if not isinstance(rollback, Rollback):
        return None
    params = _fill(rollback.params, book.coerce(given))
    typed = lookup(rollback.action).validate(params)
    return RenderedStep(rollback.action, typed.model_dump(mode="json"))


def _check_action(action: str, params: dict[str, Any], book: Runbook, lookup: Lookup) -> str | None:
    """Why ``action`` with ``params`` cannot be a runbook step (None when it can)."""
    if action == "runbook.run":
        return "a runbook cannot run another runbook"
    try:
        spec = lookup(action)
    except UserError as exc:
        return str(exc)
    if _RANK[spec.risk] > _RANK[Risk.MEDIUM]:
        return (
            f"{action} is {spec.risk} risk; run it as its own action so it gets a second approver"
        )
    missing = _placeholders(params) - set(book.inputs)
    if missing:
        return f"unknown placeholder(s) {sorted(missing)}; inputs: {sorted(book.inputs)}"
    return None


def problems(book: Runbook, *, lookup: Lookup) -> list[tuple[tuple[Any, ...], str]]:
    """Load-time checks as (location, reason): actions exist, no runbook in a runbook,
    placeholders name inputs, no high-risk step or rollback."""
    found: list[tuple[tuple[Any, ...], str]] = []
    for i, step in enumerate(book.steps):
        why = _check_action(step.action, step.params, book, lookup)
        if why:
            loc = ("steps", i, "params" if "placeholder" in why else "action")
            found.append((loc, why))
        if isinstance(step.rollback, Rollback):
            rb = step.rollback
            why = _check_action(rb.action, rb.params, book, lookup)
            if why:
                found.append((("steps", i, "rollback"), why))
    return found


def parse(text: str, where: str = "runbook", *, lookup: Lookup) -> Runbook:
    """One runbook from YAML text; errors read ``WHERE:LINE: key: reason``."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        line = str(exc).splitlines()[0]
        raise ConfigError(f"{where}:{yaml_error_line(exc)}: not valid YAML: {line}") from None
    at = YamlLocator.of_text(where, text)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}:1: a runbook is a mapping (name, steps, …)")
    try:
        book = Runbook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{at(tuple(first['loc']))}: {msg}") from None
    found = problems(book, lookup=lookup)
    if found:
        loc, why = found[0]
        raise ConfigError(f"{at(loc)}: {why}")
    return book


def parse_file(name: str, text: str, *, lookup: Lookup) -> Runbook:
    """``parse`` plus the rule that a runbook's name is its file's name."""
    book = parse(text, name, lookup=lookup)
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem != book.name:
        at = YamlLocator.of_text(name, text)
        raise ConfigError(f"{at(('name',))}: must equal the file name ({stem!r})")
    return book


def load_folder(folder: Path, *, lookup: Lookup) -> tuple[dict[str, Runbook], list[str]]:
    """Every ``*.yaml`` / ``*.yml`` of ``folder``: the good runbooks and one error per bad file
    (``FILE:LINE: key: reason``, the file named relative to ``folder``)."""
    books: dict[str, Runbook] = {}
    errors: list[str] = []
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in paths:
        try:
            book = parse_file(path.name, path.read_text(encoding="utf-8"), lookup=lookup)
        except ConfigError as exc:
            errors.append(str(exc))
        except UnicodeDecodeError:
            errors.append(f"{path.name}:1: not UTF-8 text")
        else:
            if book.name in books:
                errors.append(f"{path.name}:1: name: {book.name!r} is defined twice")
            books[book.name] = book
    return books, errors


def load_runbooks(directory: Path | None = None, *, lookup: Lookup) -> dict[str, Runbook]:
    """Every runbook of ``directory`` (the shipped folder by default); a bad file is an error."""
    books, errors = load_folder(directory or RUNBOOK_DIR, lookup=lookup)
    if errors:
        raise ConfigError(errors[0])
    return books

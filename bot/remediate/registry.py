"""Typed remediation actions: the only writes the bot can make.

An action is an ``ActionSpec``: a name (``k8s.rollback_deployment``), a pydantic params model
(validated; unknown or wrong-typed params are refused), a risk level, and four functions:
``preflight`` (target exists, state allows it; returns the *before* snapshot), ``execute``
(returns the *after* snapshot), ``verify`` (optional action-specific health check) and ``undo``
(restore *before*). Nothing here builds a shell string; parameters reach typed client calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.clock import Clock, SystemClock
from bot.errors import UserError
from bot.remediate.enums import Risk

Snapshot = dict[str, Any]


class Params(BaseModel):
    """Base for every action's parameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PreflightFailed(UserError):
    """The target does not exist or its state does not allow the action; nothing was run."""


@dataclass
class ActionContext:
    """The clients an action may use, injected by whoever runs it (production or sandbox)."""

    aws: Callable[[str], Any] | None = None  # service name -> boto3 client
    k8s: Any = None  # kubernetes.client.ApiClient
    clock: Clock = field(default_factory=SystemClock)
    id_refs: dict[str, str] = field(default_factory=dict)  # scenario id_ref -> real id
    # Called after a successful execute/undo: the sandbox uses it to make the world react.
    on_executed: Callable[[str, dict[str, Any]], None] | None = None
    runbooks: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if self.aws is None:
            raise PreflightFailed(f"AWS is not configured, so {service} actions cannot run")
        return self.aws(service)

    def real_id(self, ref: str) -> str:
        return self.id_refs.get(ref, ref)


@dataclass(frozen=True)
class VerifyOutcome:
    recovered: bool
    detail: str


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: type[Params]
    risk: Risk
    summary: str
    preflight: Callable[[ActionContext, Any], Snapshot]
    execute: Callable[[ActionContext, Any, Snapshot], Snapshot]
    undo: Callable[[ActionContext, Any, Snapshot], Snapshot] | None = None
    verify: Callable[[ActionContext, Any, Snapshot], VerifyOutcome] | None = None

    def describe(self, params: Params) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in params.model_dump().items())
        return f"{self.name}({args})"


REGISTRY: dict[str, ActionSpec] = {}


def register(spec: ActionSpec) -> ActionSpec:
    if spec.name in REGISTRY:
        raise ValueError(f"action {spec.name} registered twice")
    REGISTRY[spec.name] = spec
    return spec


_builtin_loaded = False


def _load_builtin() -> None:
    # Importing the modules registers their actions (each module calls ``register``). A flag,
    # not ``if not REGISTRY``: something else (a test action) may have registered first.
    global _builtin_loaded
    if _builtin_loaded:
        return
    from bot.remediate import actions_aws, actions_k8s, actions_runbook  # noqa: F401

    _builtin_loaded = True


def get(name: str) -> ActionSpec:
    _load_builtin()
    spec = REGISTRY.get(name)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise UserError(f"unknown action '{name}'", hint=f"known actions: {known}")
    return spec


def all_actions() -> list[ActionSpec]:
    _load_builtin()
    return sorted(REGISTRY.values(), key=lambda s: s.name)


def validate(name: str, params: dict[str, Any]) -> tuple[ActionSpec, Params]:
    """Look up the action and validate its params; errors name the parameter."""
    spec = get(name)
    try:
        return spec, spec.params.model_validate(params)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "params"
            problems.append(f"{where}: {err['msg']}")
        raise UserError(f"{name}: invalid parameters: " + "; ".join(problems)) from None

"""Typed remediation actions: the only writes the bot can make, and the one catalogue of them.

``REGISTRY`` holds the built-in actions listed in ``bot.remediate.catalogue`` (one explicit list;
no action module registers itself on import) plus whatever ``register`` adds (a plugin, a test).
``get`` / ``validate`` are how everything else — investigations' recommendations, approvals,
runbooks, the CLI — finds an action and checks its parameters. The types live in
``bot.remediate.models`` and are re-exported here.
"""

from __future__ import annotations

from typing import Any

from bot.errors import UserError
from bot.remediate.catalogue import builtin
from bot.remediate.models import (
    ActionContext,
    ActionSpec,
    Lookup,
    Params,
    PreflightFailed,
    Snapshot,
    VerifyOutcome,
)
from bot.remediate.runbooks import load_runbooks
from bot.remediate.runbooks_live import LIVE

__all__ = [
    "REGISTRY",
    "ActionContext",
    "ActionSpec",
    "Lookup",
    "Params",
    "PreflightFailed",
    "Snapshot",
    "VerifyOutcome",
    "all_actions",
    "get",
    "register",
    "validate",
]

REGISTRY: dict[str, ActionSpec] = {}


def register(spec: ActionSpec) -> ActionSpec:
    if spec.name in REGISTRY:
        raise ValueError(f"action {spec.name} registered twice")
    REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> ActionSpec:
    spec = REGISTRY.get(name)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise UserError(f"unknown action '{name}'", hint=f"known actions: {known}")
    return spec


def all_actions() -> list[ActionSpec]:
    return sorted(REGISTRY.values(), key=lambda s: s.name)


def validate(name: str, params: dict[str, Any]) -> tuple[ActionSpec, Params]:
    """Look up the action and validate its params; errors name the parameter."""
    spec = get(name)
    return spec, spec.validate(params)


for _spec in builtin(get):
    register(_spec)
LIVE.bundled = lambda: load_runbooks(lookup=get)  # the live set starts as the shipped folder

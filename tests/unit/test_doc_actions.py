"""Docs move with code: docs/runbooks.md's action table has a row for every registry action,
with its risk and each of its parameters, and no row for an action that does not exist."""

from __future__ import annotations

import re

from bot.remediate.models import ActionSpec
from bot.remediate.registry import REGISTRY
from tests.conftest import ROOT

ROW = re.compile(r"^\| `([a-z0-9_]+\.[a-z0-9_]+)` \| ([^|]*) \| (\w+) \|", flags=re.M)


def _rows() -> dict[str, tuple[str, str]]:
    text = (ROOT / "docs" / "runbooks.md").read_text()
    return {m[1]: (m[2], m[3]) for m in ROW.finditer(text)}


def _params(spec: ActionSpec) -> list[str]:
    return list(spec.params.model_fields)


def _shipped() -> dict[str, ActionSpec]:
    """The product's actions: test modules register their own (``test.*``) in the same process."""
    return {n: s for n, s in REGISTRY.items() if s.preflight.__module__.startswith("bot.")}


def test_every_action_is_documented_with_its_risk_and_parameters() -> None:
    rows, shipped = _rows(), _shipped()
    assert set(rows) == set(shipped), set(rows) ^ set(shipped)
    wrong = []
    for name, spec in shipped.items():
        params, risk = rows[name]
        if risk != spec.risk:
            wrong.append(f"{name}: risk {risk}, code {spec.risk}")
        wrong += [f"{name}: {p}" for p in _params(spec) if not re.search(rf"\b{p}\b", params)]
    assert not wrong, f"docs/runbooks.md's action table: {wrong}"

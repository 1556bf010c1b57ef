"""``runbook.run``: run a YAML runbook's steps (registry actions) in order, as one request.

Risk MEDIUM: a runbook may only hold low/medium steps (high-risk ones are refused at load), so
its risk is at most that of its riskiest step. Preflight renders and preflights every step
before anything runs; a failing step undoes the steps already done, in reverse.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bot.errors import UserError
from bot.remediate.enums import Risk
from bot.remediate.models import (
    ActionContext,
    ActionSpec,
    Lookup,
    Params,
    PreflightFailed,
    Snapshot,
    VerifyOutcome,
)
from bot.remediate.runbooks import Runbook, load_runbooks, render


class RunbookParams(Params):
    name: str = Field(min_length=1)
    target: str | None = None
    inputs: dict[str, str | int | float | bool] = Field(default_factory=dict)

    def all_inputs(self) -> dict[str, Any]:
        return {**self.inputs, **({"target": self.target} if self.target is not None else {})}


class _Runbooks:
    """The four functions of ``runbook.run``; ``lookup`` finds each step's action."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup

    def _book(self, ctx: ActionContext, name: str) -> Runbook:
        books: dict[str, Any] = ctx.runbooks or load_runbooks(lookup=self.lookup)
        book = books.get(name)
        if book is None:
            raise PreflightFailed(f"no runbook named {name!r}; known: {sorted(books)}")
        return book

    def _steps(self, ctx: ActionContext, p: RunbookParams) -> list[tuple[Any, Any, dict[str, Any]]]:
        try:
            rendered = render(self._book(ctx, p.name), p.all_inputs(), lookup=self.lookup)
        except UserError as exc:
            raise PreflightFailed(str(exc)) from None
        out = []
        for step in rendered:
            spec = self.lookup(step.action)
            out.append((spec, spec.params.model_validate(step.params), step.params))
        return out

    def pre(self, ctx: ActionContext, p: RunbookParams) -> Snapshot:
        befores = []
        for i, (spec, typed, raw) in enumerate(self._steps(ctx, p), 1):
            try:
                befores.append(
                    {"action": spec.name, "params": raw, "before": spec.preflight(ctx, typed)}
                )
            except PreflightFailed as exc:
                raise PreflightFailed(f"runbook {p.name} step {i} ({spec.name}): {exc}") from None
        return {"runbook": p.name, "steps": befores}

    def run(self, ctx: ActionContext, p: RunbookParams, before: Snapshot) -> Snapshot:
        done: list[tuple[Any, Any, Snapshot]] = []
        afters = []
        for (spec, typed, raw), snap in zip(self._steps(ctx, p), before["steps"], strict=True):
            try:
                after = spec.execute(ctx, typed, snap["before"])
            except Exception as exc:
                for d_spec, d_typed, d_before in reversed(done):
                    if d_spec.undo is not None:
                        d_spec.undo(ctx, d_typed, d_before)
                raise RuntimeError(
                    f"runbook {p.name}: {spec.name} failed ({exc}); "
                    f"{len(done)} earlier step(s) undone"
                ) from exc
            done.append((spec, typed, snap["before"]))
            afters.append({"action": spec.name, "after": after})
            if ctx.on_executed is not None:
                ctx.on_executed(spec.name, raw)
        return {"runbook": p.name, "steps": afters}

    def undo(self, ctx: ActionContext, p: RunbookParams, before: Snapshot) -> Snapshot:
        undone = []
        steps = list(zip(self._steps(ctx, p), before["steps"], strict=True))
        for (spec, typed, _), snap in reversed(steps):
            if spec.undo is not None:
                undone.append({"action": spec.name, "after": spec.undo(ctx, typed, snap["before"])})
        return {"runbook": p.name, "undone": undone}

    def verify(self, ctx: ActionContext, p: RunbookParams, before: Snapshot) -> VerifyOutcome:
        details, ok = [], True
        for (spec, typed, _), snap in zip(self._steps(ctx, p), before["steps"], strict=True):
            if spec.verify is not None:
                out = spec.verify(ctx, typed, snap["before"])
                ok = ok and out.recovered
                details.append(out.detail)
        return VerifyOutcome(ok, "; ".join(details) or f"runbook {p.name} completed")


def spec(lookup: Lookup) -> ActionSpec:
    """``runbook.run``, finding its steps' actions with ``lookup`` (``registry.get``)."""
    books = _Runbooks(lookup)
    return ActionSpec(
        "runbook.run",
        RunbookParams,
        Risk.MEDIUM,
        "run a YAML runbook (a named list of registry actions)",
        books.pre,
        books.run,
        books.undo,
        books.verify,
    )

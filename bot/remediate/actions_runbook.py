"""``runbook.run``: run a YAML runbook's steps (registry actions) in order, as one request.

Risk MEDIUM: a runbook may only hold low/medium steps (high-risk ones are refused at load), so
its risk is at most that of its riskiest step. Preflight renders and preflights every step
before anything runs; a failing step rolls back the steps already done, in reverse, each by its
``rollback`` (the action's undo, nothing, or its own rollback action).

The runbook comes from the live set (``bot.remediate.runbooks_live``); the *before* snapshot
names the commit it was preflighted on (``runbook_commit``), and execute, verify and undo use
that same version.
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
from bot.remediate.runbooks import Runbook, render, render_rollback
from bot.remediate.runbooks_live import LIVE


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

    def _book(self, ctx: ActionContext, name: str, commit: str | None = None) -> Runbook:
        books: dict[str, Any] = ctx.runbooks or LIVE.at(commit).books
        book = books.get(name)
        if book is None:
            raise PreflightFailed(f"no runbook named {name!r}; known: {sorted(books)}")
        return book

    def _steps(
        self, ctx: ActionContext, p: RunbookParams, commit: str | None = None
    ) -> list[tuple[Any, Any, dict[str, Any]]]:
        try:
            rendered = render(self._book(ctx, p.name, commit), p.all_inputs(), lookup=self.lookup)
        except UserError as exc:
            raise PreflightFailed(str(exc)) from None
        out = []
        for step in rendered:
            spec = self.lookup(step.action)
            out.append((spec, spec.params.model_validate(step.params), step.params))
        return out

    def _roll_back(
        self, ctx: ActionContext, p: RunbookParams, commit: str | None, index: int,
        spec: Any, typed: Any, before: Snapshot,
    ) -> Snapshot | None:  # fmt: skip
        """Step ``index``'s rollback: its own action, nothing, or the action's undo."""
        book = self._book(ctx, p.name, commit)
        rollback = book.steps[index].rollback
        if rollback == "none":
            return None
        own = render_rollback(book, index, p.all_inputs(), lookup=self.lookup)
        if own is not None:
            rb_spec = self.lookup(own.action)
            rb_typed = rb_spec.params.model_validate(own.params)
            return rb_spec.execute(ctx, rb_typed, rb_spec.preflight(ctx, rb_typed))
        return spec.undo(ctx, typed, before) if spec.undo is not None else None

    def pre(self, ctx: ActionContext, p: RunbookParams) -> Snapshot:
        commit = None if ctx.runbooks else LIVE.current().commit  # the version preflighted
        befores = []
        for i, (spec, typed, raw) in enumerate(self._steps(ctx, p, commit), 1):
            try:
                befores.append(
                    {"action": spec.name, "params": raw, "before": spec.preflight(ctx, typed)}
                )
            except PreflightFailed as exc:
                raise PreflightFailed(f"runbook {p.name} step {i} ({spec.name}): {exc}") from None
        return {"runbook": p.name, "runbook_commit": commit, "steps": befores}

    def run(self, ctx: ActionContext, p: RunbookParams, before: Snapshot) -> Snapshot:
        commit = before.get("runbook_commit")
        done: list[tuple[int, Any, Any, Snapshot]] = []
        afters = []
        steps = zip(self._steps(ctx, p, commit), before["steps"], strict=True)
        for i, ((spec, typed, raw), snap) in enumerate(steps):
            try:
                after = spec.execute(ctx, typed, snap["before"])
            except Exception as exc:
                stuck = []  # a rollback that fails does not stop the others
                for d_i, d_spec, d_typed, d_before in reversed(done):
                    try:
                        self._roll_back(ctx, p, commit, d_i, d_spec, d_typed, d_before)
                    except Exception as rb_exc:
                        stuck.append(f"step {d_i + 1} ({d_spec.name}): {rb_exc}")
                left = f"; could not roll back {'; '.join(stuck)}" if stuck else ""
                raise RuntimeError(
                    f"runbook {p.name}: {spec.name} failed ({exc}); "
                    f"{len(done) - len(stuck)} earlier step(s) rolled back{left}"
                ) from exc
            done.append((i, spec, typed, snap["before"]))
            afters.append({"action": spec.name, "after": after})
            if ctx.on_executed is not None:
                ctx.on_executed(spec.name, raw)
        return {"runbook": p.name, "steps": afters}

    def undo(self, ctx: ActionContext, p: RunbookParams, before: Snapshot) -> Snapshot:
        commit = before.get("runbook_commit")
        undone = []
        steps = list(enumerate(zip(self._steps(ctx, p, commit), before["steps"], strict=True)))
        for i, ((spec, typed, _), snap) in reversed(steps):
            after = self._roll_back(ctx, p, commit, i, spec, typed, snap["before"])
            if after is not None:
                undone.append({"action": spec.name, "after": after})
        return {"runbook": p.name, "undone": undone}

    def verify(self, ctx: ActionContext, p: RunbookParams, before: Snapshot) -> VerifyOutcome:
        details, ok = [], True
        steps = zip(self._steps(ctx, p, before.get("runbook_commit")), before["steps"], strict=True)
        for (spec, typed, _), snap in steps:
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

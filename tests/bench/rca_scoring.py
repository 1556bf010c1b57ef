"""Scoring of root-cause investigations against scenario truth, shared by bench_rca (the alert
path) and bench_questions (typed questions).

One :class:`CaseOutcome` per truth incident (what the investigation answered, or that it crashed);
:func:`score` turns it into per-case marks and :func:`summarize` into a corpus's figures:
top-1 / top-3 (kind and service both right), first action right, harmful fixes, silent
investigations, crashes, the Brier score and a reliability table (issue 15, "Measure"). These are
pure functions. The loop both benches run is here too, once: :func:`truths` reads a scenario's
truth, :func:`run_cases` asks each case in one world (a crash is a figure, never the end of the
bench) and :func:`bench_rows` prints one row per case; the benches only say how a case is asked.

Definitions (they are what the figures mean):

- **first action right**: with a truth fix, the first action has the fix's name and its params
  include every truth param with the same value; with no truth fix, the first recommendation is
  read-only (``risk == "read"``) or there is none.
- **harmful fix**: the first recommendation is a write that cannot help: any write when the truth
  has no fix (the cause is outside the registry's reach, or nothing is wrong), or a write other
  than the truth's fix (a restart or rollback that changes nothing).
- **silent**: the truth has a failure and the investigation offers no hypothesis.
- **Brier score**: mean of ``(confidence - correct)**2`` over every hypothesis offered, where
  ``correct`` is 1 when its kind and service equal the truth (always 0 when nothing is wrong).
- **reliability**: the same hypotheses bucketed by confidence, with the share that was correct.
- **worst-calibrated cases**: the cases whose hypotheses add most to the Brier score's sum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

READ_RISK = "read"
BUCKETS: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Truth:
    """The answer for one incident: ``kind``/``service`` None when nothing is wrong."""

    kind: str | None
    service: str | None
    fix_action: str | None = None
    fix_params: dict[str, Any] = field(default_factory=dict)

    @property
    def failing(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True)
class Guess:
    kind: str
    service: str
    confidence: float


@dataclass(frozen=True)
class Proposal:
    action: str
    params: dict[str, Any]
    risk: str

    @property
    def writes(self) -> bool:
        return self.risk != READ_RISK


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    truth: Truth
    hypotheses: Sequence[Guess] = ()
    actions: Sequence[Proposal] = ()
    crashed: str | None = None  # the error, when the investigation (or the world) failed


@dataclass(frozen=True)
class CaseScore:
    name: str
    failing: bool
    top1: bool
    top3: bool
    first_action: bool
    harmful: bool
    silent: bool
    crashed: bool


def _right(guess: Guess, truth: Truth) -> bool:
    return truth.failing and (guess.kind, guess.service) == (truth.kind, truth.service)


def matches_fix(proposal: Proposal, truth: Truth) -> bool:
    if truth.fix_action is None or proposal.action != truth.fix_action:
        return False
    return all(proposal.params.get(k) == v for k, v in truth.fix_params.items())


def score(outcome: CaseOutcome) -> CaseScore:
    truth = outcome.truth
    ranked = list(outcome.hypotheses)
    first = outcome.actions[0] if outcome.actions else None
    if truth.fix_action is not None:
        first_ok = first is not None and matches_fix(first, truth)
    else:
        first_ok = first is None or not first.writes
    harmful = first is not None and first.writes and not matches_fix(first, truth)
    return CaseScore(
        name=outcome.name,
        failing=truth.failing,
        top1=bool(ranked) and _right(ranked[0], truth),
        top3=any(_right(g, truth) for g in ranked[:3]),
        first_action=first_ok and outcome.crashed is None,
        harmful=harmful,
        silent=truth.failing and not ranked and outcome.crashed is None,
        crashed=outcome.crashed is not None,
    )


def calibration_pairs(outcomes: Iterable[CaseOutcome]) -> list[tuple[float, int]]:
    """``(confidence, correct)`` for every hypothesis offered."""
    return [(g.confidence, int(_right(g, o.truth))) for o in outcomes for g in o.hypotheses]


def brier(pairs: Sequence[tuple[float, int]]) -> float | None:
    if not pairs:
        return None
    return sum((c - y) ** 2 for c, y in pairs) / len(pairs)


@dataclass(frozen=True)
class CaseBrier:
    """One case's share of the Brier score: ``total`` is its summed squared error (what it adds
    to the pooled score's numerator), ``top`` its first hypothesis and whether it was right."""

    name: str
    hypotheses: int
    total: float
    top: str


def worst_calibrated(outcomes: Iterable[CaseOutcome], n: int = 10) -> list[CaseBrier]:
    """The ``n`` cases that add most to the Brier score, worst first."""
    out = []
    for o in outcomes:
        pairs = calibration_pairs([o])
        if not pairs:
            continue
        head = o.hypotheses[0]
        mark = "right" if _right(head, o.truth) else "wrong"
        top = f"{head.kind}/{head.service} {head.confidence:.2f} {mark}"
        out.append(CaseBrier(o.name, len(pairs), sum((c - y) ** 2 for c, y in pairs), top))
    return sorted(out, key=lambda c: (-c.total, c.name))[:n]


def render_worst(outcomes: Iterable[CaseOutcome], n: int = 10) -> str:
    """The worst-calibrated cases, one line each, as bench_rca prints them."""
    lines = [f"   worst-calibrated cases (summed squared error over their hypotheses, top {n}):"]
    for c in worst_calibrated(outcomes, n):
        lines.append(f"     {c.total:5.2f}  n={c.hypotheses:<2} {c.name[:48]:48} top: {c.top}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Bucket:
    low: float
    high: float
    n: int
    mean_confidence: float | None
    accuracy: float | None


def reliability(
    pairs: Sequence[tuple[float, int]], edges: Sequence[float] = BUCKETS
) -> list[Bucket]:
    """Confidence buckets ``[low, high)`` (the last one closed) with the observed accuracy."""
    out: list[Bucket] = []
    for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
        last = i == len(edges) - 2
        inside = [(c, y) for c, y in pairs if low <= c < high or (last and c == high)]
        n = len(inside)
        out.append(
            Bucket(
                low,
                high,
                n,
                sum(c for c, _ in inside) / n if n else None,
                sum(y for _, y in inside) / n if n else None,
            )
        )
    return out


@dataclass(frozen=True)
class Summary:
    cases: int
    failing: int
    top1: int
    top3: int
    first_action: int
    harmful: int
    silent: int
    crashes: int
    brier: float | None
    reliability: list[Bucket]


def summarize(outcomes: Sequence[CaseOutcome]) -> Summary:
    scores = [score(o) for o in outcomes]
    pairs = calibration_pairs(outcomes)
    return Summary(
        cases=len(scores),
        failing=sum(s.failing for s in scores),
        top1=sum(s.top1 for s in scores),
        top3=sum(s.top3 for s in scores),
        first_action=sum(s.first_action for s in scores),
        harmful=sum(s.harmful for s in scores),
        silent=sum(s.silent for s in scores),
        crashes=sum(s.crashed for s in scores),
        brier=brier(pairs),
        reliability=reliability(pairs),
    )


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else f"{part}/0"


def render(label: str, summary: Summary) -> str:
    """The corpus's figures as printed by bench_rca."""
    s = summary
    brier_text = f"{s.brier:.3f}" if s.brier is not None else "-"
    lines = [
        f"== {label}: {s.cases} incidents ({s.failing} with a failure)",
        f"   top-1 {_pct(s.top1, s.failing)}  top-3 {_pct(s.top3, s.failing)}  "
        f"first action right {_pct(s.first_action, s.cases)}",
        f"   harmful fixes {s.harmful}  silent {s.silent}  crashes {s.crashes}  Brier {brier_text}",
        "   reliability: confidence bucket -> hypotheses, mean confidence, observed accuracy",
    ]
    for b in s.reliability:
        conf = f"{b.mean_confidence:.2f}" if b.mean_confidence is not None else "  - "
        acc = f"{b.accuracy:.2f}" if b.accuracy is not None else "  - "
        close = "]" if b.high == 1.0 else ")"
        lines.append(f"     [{b.low:.1f}, {b.high:.1f}{close}  n={b.n:<4} {conf}  {acc}")
    return "\n".join(lines)


# --- the loop bench_rca and bench_questions share -------------------------------------------------


def truths(truth: Any) -> list[tuple[Any, Truth]]:
    """``(incident, Truth)`` for each incident of a scenario's truth (incident keys override)."""
    out = []
    for inc in truth.incidents:
        cause = inc.root_cause or truth.root_cause
        fix = inc.fix or truth.fix
        out.append(
            (
                inc,
                Truth(
                    kind=cause.kind if cause else None,
                    service=cause.service if cause else None,
                    fix_action=fix.action if fix else None,
                    fix_params=dict(fix.params) if fix else {},
                ),
            )
        )
    return out


class _Answer(Protocol):
    """What an investigation returns, as far as scoring reads it."""

    @property
    def hypotheses(self) -> Sequence[Any]: ...

    @property
    def actions(self) -> Sequence[Any]: ...


def outcome_of(name: str, truth: Truth, answer: _Answer) -> CaseOutcome:
    """The scored view of one investigation's hypotheses (in order) and recommended actions."""
    return CaseOutcome(
        name,
        truth,
        hypotheses=[Guess(h.kind, h.service, h.confidence) for h in answer.hypotheses],
        actions=[Proposal(a.action, dict(a.params), a.risk) for a in answer.actions],
    )


Ctx = TypeVar("Ctx")


@dataclass(frozen=True)
class Case(Generic[Ctx]):
    """One incident to investigate: ``ask`` runs the investigation in the world's context."""

    name: str
    truth: Truth
    ask: Callable[[Ctx], _Answer]


def run_cases(
    world: Callable[[], AbstractContextManager[Ctx]],
    cases: Sequence[Case[Ctx]],
    refusal: type[Exception] | None = None,
    refused: list[str] | None = None,
) -> list[CaseOutcome]:
    """Ask every case in one world. An error is that case's crash; a world that does not come up
    crashes the cases not yet asked. A ``refusal`` (the bot declining the question) is no crash:
    it is listed in ``refused`` and scores as an answer without hypotheses."""
    outcomes: list[CaseOutcome] = []
    try:
        with world() as ctx:
            for case in cases:
                try:
                    answer = case.ask(ctx)
                except Exception as exc:  # a crash is a figure, not the end of the bench
                    if refusal is not None and isinstance(exc, refusal):
                        if refused is not None:
                            refused.append(f"{case.name}: {str(exc)[:100]}")
                        outcomes.append(CaseOutcome(case.name, case.truth))
                    else:
                        error = f"{type(exc).__name__}: {exc}"
                        outcomes.append(CaseOutcome(case.name, case.truth, crashed=error))
                    continue
                outcomes.append(outcome_of(case.name, case.truth, answer))
    except Exception as exc:  # the world itself did not come up
        error = f"{type(exc).__name__}: {exc}"
        done = {o.name for o in outcomes}
        outcomes += [
            CaseOutcome(c.name, c.truth, crashed=error) for c in cases if c.name not in done
        ]
    return outcomes


def row(outcome: CaseOutcome, ms: float) -> str:
    """One printed row: marks, time per case, the top hypothesis, the first action, and the
    truth when top-1 missed."""
    s = score(outcome)
    top = outcome.hypotheses[0] if outcome.hypotheses else None
    label = f"{top.kind}/{top.service} {top.confidence:.2f}" if top else "-"
    first = outcome.actions[0].action if outcome.actions else "-"
    flags = "".join(
        f" {flag}"
        for flag, on in (("SILENT", s.silent), ("HARMFUL", s.harmful), ("CRASH", s.crashed))
        if on
    )
    mark = lambda b: "Y" if b else "n"  # noqa: E731
    want = (
        f"{outcome.truth.kind}/{outcome.truth.service}" if outcome.truth.failing else "no failure"
    )
    text = (
        f"{outcome.name[:48]:48} {mark(s.top1):4} {mark(s.top3):4} {mark(s.first_action):4} "
        f"{ms:6.0f}  {label}  first={first}{flags}"
    )
    if not s.top1:
        text += f"\n{'':48} truth: {want}"
    if outcome.crashed:
        text += f"\n{'':48} crash: {outcome.crashed[:200]}"
    return text


def bench_rows(
    paths: Sequence[Path], run: Callable[[Path], list[CaseOutcome]], title: str = "incident"
) -> list[CaseOutcome]:
    """Run each scenario file, print a row per case (with the mean time per case), return all."""
    print(f"\n{title:48} {'top1':4} {'top3':4} {'fix':4} {'ms':>6}  top hypothesis")
    outcomes: list[CaseOutcome] = []
    for path in paths:
        t0 = time.perf_counter()
        got = run(path)
        ms = (time.perf_counter() - t0) * 1000.0 / max(1, len(got))
        for outcome in got:
            print(row(outcome, ms))
        outcomes += got
    return outcomes

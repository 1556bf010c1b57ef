"""What calibration is fitted on: every case of every corpus, caught just before calibration.

``collect`` runs each scenario as ``bench_rca`` does (its sandbox world, the real clients, no LLM
key) and records, per truth incident, the hypotheses as the rules ranked them **before**
``calibrate.final_confidences`` (each with its rule confidence and evidence), the findings they
cite, the services that look steady, and the truth. ``replay`` then applies any candidate
calibration to those inputs, exactly as the bot would, without starting a world again: a grid of
candidates costs seconds. An answer whose hypotheses did not come through calibration (a question
answered from what was read, ``answer.py``) is kept as shown and counts in every figure.

Records are cached as JSON (``save``/``load``) so a fit can be rerun without the worlds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bot.investigate.reasoning as reasoning  # noqa: E402
from bot.investigate.calibrate import final_confidences, readings  # noqa: E402
from bot.investigate.context import InvestigationContext  # noqa: E402
from bot.investigate.models import Finding, Hypothesis  # noqa: E402
from bot.investigate.reasoning_data import Calibration  # noqa: E402
from tests.bench.rca_scoring import Case, CaseOutcome, Guess, Truth  # noqa: E402

SHOWN = 8  # an answer shows at most this many hypotheses (flows._run)


@dataclass
class Record:
    """One truth incident: what calibration saw, and what the answer showed."""

    corpus: str
    name: str
    truth: Truth
    hyps: list[Hypothesis] = field(default_factory=list)  # ranked, before calibration
    findings: list[Finding] = field(default_factory=list)
    steady: dict[str, str] = field(default_factory=dict)
    calibrated: bool = False  # the shown hypotheses came through final_confidences
    shown: list[Guess] = field(default_factory=list)
    crashed: str | None = None


def replay(record: Record, rules: Calibration) -> list[Hypothesis]:
    """The hypotheses the answer would show under ``rules`` (fresh copies, in rank order)."""
    if not record.calibrated:
        return [
            Hypothesis(kind=g.kind, service=g.service, confidence=g.confidence, summary="")
            for g in record.shown
        ]
    hyps = [h.model_copy(deep=True) for h in record.hyps]
    final_confidences(hyps, record.findings, rules, steady=record.steady or None)
    return hyps[:SHOWN]


def outcome(record: Record, rules: Calibration) -> CaseOutcome:
    """The scored view of a record under ``rules`` (actions are not replayed)."""
    guesses = [Guess(h.kind, h.service, h.confidence) for h in replay(record, rules)]
    return CaseOutcome(record.name, record.truth, hypotheses=guesses, crashed=record.crashed)


def basis_rows(records: Sequence[Record], rules: Calibration) -> dict[str, list[tuple[float, int]]]:
    """Per basis, ``(structural confidence, right)`` for every hypothesis an answer shows."""
    rows: dict[str, list[tuple[float, int]]] = {}
    for r in records:
        if not r.calibrated:
            continue
        truth = (r.truth.kind, r.truth.service)
        read_all = readings(r.hyps, r.findings, rules, r.steady)
        for hyp, read in zip(r.hyps[:SHOWN], read_all[:SHOWN], strict=True):
            right = int(r.truth.failing and (hyp.kind, hyp.service) == truth)
            rows.setdefault(read.basis, []).append((read.structural, right))
    return rows


# --- collecting ---------------------------------------------------------------------------------


class _Catch:
    """Records the inputs of ``final_confidences`` while installed in ``reasoning``."""

    def __init__(self) -> None:
        self.last: tuple[list[Hypothesis], list[Finding], dict[str, str]] | None = None
        self.out: list[Hypothesis] = []

    def __call__(
        self,
        hypotheses: Sequence[Hypothesis],
        findings: Sequence[Finding],
        rules: Calibration | None = None,
        steady: Mapping[str, str] | None = None,
    ) -> None:
        before = [h.model_copy(deep=True) for h in hypotheses]
        self.last = (before, list(findings), dict(steady or {}))
        final_confidences(hypotheses, findings, rules, steady=steady)
        self.out = list(hypotheses)


@contextmanager
def _caught() -> Iterator[_Catch]:
    catch = _Catch()
    original = reasoning.final_confidences
    reasoning.final_confidences = catch  # type: ignore[assignment]
    try:
        yield catch
    finally:
        reasoning.final_confidences = original


def collect(
    corpora: Sequence[str],
    paths_of: Callable[[str], list[Path]],
    run_scenario: Callable[..., list[CaseOutcome]],
) -> list[Record]:
    """Every truth incident of every corpus, investigated once, with calibration's inputs."""
    records: list[Record] = []
    with _caught() as catch:
        for corpus in corpora:
            for path in paths_of(corpus):
                seen: dict[str, Record] = {}

                def wrap(
                    case: Case[InvestigationContext], corpus: str = corpus, seen: Any = seen
                ) -> Case[InvestigationContext]:
                    def ask(ctx: InvestigationContext) -> Any:
                        catch.last, catch.out = None, []
                        answer = case.ask(ctx)
                        shown = [Guess(h.kind, h.service, h.confidence) for h in answer.hypotheses]
                        rec = Record(corpus, case.name, case.truth, shown=shown)
                        if catch.last is not None and _same(catch.out, answer.hypotheses):
                            rec.hyps, rec.findings, rec.steady = catch.last
                            rec.calibrated = True
                        seen[case.name] = rec
                        return answer

                    return Case(case.name, case.truth, ask)

                for got in run_scenario(path, wrap):
                    rec = seen.get(got.name) or Record(corpus, got.name, got.truth)
                    rec.crashed = got.crashed
                    records.append(rec)
                print(f"  {corpus}: {path.stem} ({len(records)} incidents so far)", flush=True)
    return records


def _same(calibrated: Sequence[Hypothesis], shown: Sequence[Any]) -> bool:
    """The answer shows what calibration produced (not a question's own answer)."""
    head = [(h.kind, h.service, h.confidence) for h in calibrated[:SHOWN]]
    return bool(shown) and head == [(h.kind, h.service, h.confidence) for h in shown]


# --- the cache ----------------------------------------------------------------------------------


def read_by_calibration(record: Record) -> list[Finding]:
    """The findings calibration reads: those a hypothesis cites, and those of a service one
    names (``calibrate._steady`` asks whether it shows anything of its own)."""
    cited = {e for h in record.hyps for e in h.evidence}
    named = {h.service for h in record.hyps}
    return [f for f in record.findings if f.summary in cited or f.service in named]


def save(records: Sequence[Record], path: Path) -> None:
    """The records as JSON, each with only the findings calibration reads."""
    rows = [
        {
            "corpus": r.corpus,
            "name": r.name,
            "truth": {
                "kind": r.truth.kind,
                "service": r.truth.service,
                "fix_action": r.truth.fix_action,
                "fix_params": r.truth.fix_params,
            },
            "hyps": [h.model_dump(mode="json") for h in r.hyps],
            "findings": [f.model_dump(mode="json") for f in read_by_calibration(r)],
            "steady": r.steady,
            "calibrated": r.calibrated,
            "shown": [[g.kind, g.service, g.confidence] for g in r.shown],
            "crashed": r.crashed,
        }
        for r in records
    ]
    path.write_text(json.dumps(rows))


def load(path: Path) -> list[Record]:
    return [
        Record(
            corpus=row["corpus"],
            name=row["name"],
            truth=Truth(**row["truth"]),
            hyps=[Hypothesis.model_validate(h) for h in row["hyps"]],
            findings=[Finding.model_validate(f) for f in row["findings"]],
            steady=dict(row["steady"]),
            calibrated=bool(row["calibrated"]),
            shown=[Guess(k, s, c) for k, s, c in row["shown"]],
            crashed=row["crashed"],
        )
        for row in json.loads(path.read_text())
    ]

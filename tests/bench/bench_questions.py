"""The typed-question door scored on the third-party corpora, no LLM key.

HolmesGPT's ``ask_holmes`` cases are questions a person typed. Where a converted case's incident
is one such question (a lone ``generic`` alert whose summary is the question), this bench
investigates the question alone in the sandbox world with ``investigate_query``, the way ``aiops
investigate "QUESTION" --scenario FILE`` and ``/aiops investigate`` run it, and scores the answer
against the case's truth with ``rca_scoring`` (the figures and the loop of ``bench_rca.py``, which
scores the alert path). A question the bot refuses (``UserError``: it names no service it knows)
is listed as refused and counts as silent when the case holds a failure.

    .venv/bin/python tests/bench/bench_questions.py             # thirdparty 1-3 (dev)
    .venv/bin/python tests/bench/bench_questions.py --heldout   # held-out thirds (set 4 too), ONCE
    .venv/bin/python tests/bench/bench_questions.py --corpus thirdparty4   # one bench_rca corpus
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rca import corpus, world_context  # noqa: E402
from rca_scoring import Case, CaseOutcome, Truth, bench_rows, render, run_cases, summarize, truths  # noqa: E402

from bot.errors import UserError  # noqa: E402
from bot.investigate import InvestigationContext, investigate_query  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402

DEV = ("thirdparty", "thirdparty2", "thirdparty3")
HELDOUT = (
    "thirdparty-heldout",
    "thirdparty2-heldout",
    "thirdparty3-heldout",
    "thirdparty4-heldout",
)


def questions(path: Path) -> list[tuple[str, str, Truth]]:
    """``(case name, question, truth)`` for each truth incident that is one typed question."""
    loaded = load_scenario(path)
    if loaded.truth is None:
        return []
    by_id = {a.id: a for a in loaded.scenario.alerts}
    out = []
    for index, (inc, want) in enumerate(truths(loaded.truth)):
        root = by_id.get(inc.root_alert)
        alone = len(inc.alerts) == 1
        if alone and root is not None and root.format == "generic" and root.summary:
            out.append((f"{path.stem}#{index + 1}", root.summary, want))
    return out


def _asker(query: str) -> Callable[[InvestigationContext], Any]:
    return lambda ctx: investigate_query(ctx, query)


def run_questions(path: Path, refused: list[str]) -> list[CaseOutcome]:
    """Ask each question of one case in its world; an error other than a refusal is a crash."""
    asked = questions(path)
    if not asked:
        return []
    scenario = load_scenario(path).scenario
    cases = [Case(name, want, _asker(query)) for name, query, want in asked]
    return run_cases(lambda: world_context(scenario), cases, refusal=UserError, refused=refused)


def bench(label: str, paths: list[Path]) -> list[CaseOutcome]:
    refused: list[str] = []
    outcomes = bench_rows(paths, lambda path: run_questions(path, refused), title="question")
    print(render(f"{label} (typed questions)", summarize(outcomes)))
    print(f"   refused {len(refused)} of {len(outcomes)} questions")
    for line in refused:
        print(f"     {line}")
    return outcomes


def corpora(argv: list[str]) -> tuple[str, ...]:
    """The corpora a command line asks for: ``--corpus NAME``, else the held-out parts, else dev."""
    if "--corpus" in argv:
        return tuple(argv[argv.index("--corpus") + 1 :][:1])
    return HELDOUT if "--heldout" in argv else DEV


def main(argv: list[str]) -> int:
    for name in corpora(argv):
        bench(name, corpus(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The typed-question door scored on the third-party corpora, no LLM key.

HolmesGPT's ``ask_holmes`` cases are questions a person typed. Where a converted case's incident
is one such question (a lone ``generic`` alert whose summary is the question), this bench
investigates the question alone in the sandbox world with ``investigate_query``, the way ``aiops
investigate "QUESTION" --scenario FILE`` and ``/aiops investigate`` run it, and scores the answer
against the case's truth with ``rca_scoring`` (the figures of ``bench_rca.py``, which scores the
alert path). A question the bot refuses (``UserError``: it names no service it knows) is listed as
refused and counts as silent when the case holds a failure.

    .venv/bin/python tests/bench/bench_questions.py             # thirdparty + thirdparty2 (dev)
    .venv/bin/python tests/bench/bench_questions.py --heldout   # their held-out thirds, ONCE
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rca import _line, _truths, corpus  # noqa: E402
from rca_scoring import CaseOutcome, Guess, Proposal, Truth, render, summarize  # noqa: E402

from bot.errors import UserError  # noqa: E402
from bot.investigate import investigate_query  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

DEV = ("thirdparty", "thirdparty2")
HELDOUT = ("thirdparty-heldout", "thirdparty2-heldout")


def questions(path: Path) -> list[tuple[str, str, Truth]]:
    """``(case name, question, truth)`` for each truth incident that is one typed question."""
    loaded = load_scenario(path)
    if loaded.truth is None:
        return []
    by_id = {a.id: a for a in loaded.scenario.alerts}
    out = []
    for index, (inc, want) in enumerate(_truths(loaded.truth)):
        root = by_id.get(inc.root_alert)  # type: ignore[attr-defined]
        alone = len(inc.alerts) == 1  # type: ignore[attr-defined]
        if alone and root is not None and root.format == "generic" and root.summary:
            out.append((f"{path.stem}#{index + 1}", root.summary, want))
    return out


def run_questions(path: Path, refused: list[str]) -> list[CaseOutcome]:
    """Ask each question of one case in its world; an error other than a refusal is a crash."""
    asked = questions(path)
    if not asked:
        return []
    outcomes: list[CaseOutcome] = []
    try:
        with SandboxWorld(load_scenario(path).scenario) as world:
            ctx = context_for_world(world)
            for name, query, want in asked:
                try:
                    result = investigate_query(ctx, query)
                except UserError as exc:
                    refused.append(f"{name}: {str(exc)[:100]}")
                    outcomes.append(CaseOutcome(name, want))
                    continue
                except Exception as exc:  # a crash is a figure, not the end of the bench
                    outcomes.append(CaseOutcome(name, want, crashed=f"{type(exc).__name__}: {exc}"))
                    continue
                outcomes.append(
                    CaseOutcome(
                        name,
                        want,
                        hypotheses=[
                            Guess(h.kind, h.service, h.confidence) for h in result.hypotheses
                        ],
                        actions=[
                            Proposal(a.action, dict(a.params), a.risk) for a in result.actions
                        ],
                    )
                )
    except Exception as exc:  # the world itself did not come up
        done = {o.name for o in outcomes}
        error = f"{type(exc).__name__}: {exc}"
        outcomes += [CaseOutcome(n, w, crashed=error) for n, _, w in asked if n not in done]
    return outcomes


def bench(label: str, paths: list[Path]) -> list[CaseOutcome]:
    print(f"\n{'question':48} {'top1':4} {'top3':4} {'fix':4} {'ms':>6}  top hypothesis")
    outcomes: list[CaseOutcome] = []
    refused: list[str] = []
    for path in paths:
        t0 = time.perf_counter()
        got = run_questions(path, refused)
        ms = (time.perf_counter() - t0) * 1000.0 / max(1, len(got))
        for outcome in got:
            print(_line(outcome, ms))
        outcomes += got
    print(render(f"{label} (typed questions)", summarize(outcomes)))
    print(f"   refused {len(refused)} of {len(outcomes)} questions")
    for line in refused:
        print(f"     {line}")
    return outcomes


def main(argv: list[str]) -> int:
    names = HELDOUT if "--heldout" in argv else DEV
    for name in names:
        bench(name, corpus(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

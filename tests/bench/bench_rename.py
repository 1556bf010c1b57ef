"""Rename invariance: does an answer change when nothing but the names change? (issue 15, "General,
not tuned": a rule that names a case's service, value or file is a defect.)

Every case of the dev corpora is replayed twice with bench_rca's harness and scorer: as written,
and with each service renamed to a made-up word (``scenario_rename.rename_scenario``: the service,
pod, deployment, host and DNS names built from it, everywhere in the YAML; images, product words in
log text, kinds and numbers kept). Per corpus it prints top-1 / top-3 / harmful / silent, original
vs renamed, and every case whose answer changed (top hypothesis kind or service, mapped back to the
original names, the first action, or a mark). A case that involves a product-named service (a
service called ``redis`` or ``user-mongodb``, where renaming also removes real technology evidence)
is listed apart. ``--jitter`` compares against the same case a day later with alerts of equal time
reordered instead (``jitter_scenario``).

Only dev corpora: never the held-out lists (``tests/scenarios/*/heldout.txt``).

    .venv/bin/python tests/bench/bench_rename.py                    # every dev corpus
    .venv/bin/python tests/bench/bench_rename.py --corpus aiopslab  # one of them
    .venv/bin/python tests/bench/bench_rename.py --jitter           # time shift + tie reorder
    .venv/bin/python tests/bench/bench_rename.py --seed 7           # other made-up words
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rca import corpus, run_scenario  # noqa: E402
from rca_scoring import CaseOutcome, score, summarize  # noqa: E402
from scenario_rename import Rewritten, jitter_scenario, product_named, rename_scenario  # noqa: E402

#: the dev corpora (bench_rca's names; the held-out parts are never read here)
DEV = (
    "examples",
    "holdout",
    "thirdparty",
    "thirdparty2",
    "thirdparty3",
    "thirdparty4",
    "aiopslab",
    "itbench",
    "itbench2",
)


@dataclass(frozen=True)
class Pair:
    """One case, as written and rewritten (scored in its own names; compared in the original)."""

    name: str
    original: CaseOutcome
    rewritten: CaseOutcome
    rewrite: Rewritten
    product: bool  # a product-named service is the truth's or either top answer's

    @property
    def changed(self) -> bool:
        return answer(self.original) != answer(self.rewritten, self.rewrite.back)


def answer(outcome: CaseOutcome, back: Callable[[str], str] = str) -> tuple[object, ...]:
    """What must not change: the top hypothesis (its service named by ``back``), the first
    action, and the marks."""
    top = outcome.hypotheses[0] if outcome.hypotheses else None
    first = outcome.actions[0] if outcome.actions else None
    s = score(outcome)
    return (
        (top.kind, back(top.service)) if top else None,
        (first.action, first.risk) if first else None,
        s.top1,
        s.top3,
        s.harmful,
        s.silent,
        outcome.crashed is not None,
    )


def pairs_for(path: Path, rewrite: Callable[[str], Rewritten]) -> list[Pair]:
    """Replay ``path`` as written and rewritten; one pair per truth incident."""
    original = run_scenario(path)
    done = rewrite(path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="rename-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(done.text, encoding="utf-8")
        rewritten = run_scenario(copy)
    out = []
    for before, after in zip(original, rewritten, strict=True):
        touched = {before.truth.service or ""}
        touched |= {done.back(o.hypotheses[0].service) for o in (before, after) if o.hypotheses}
        out.append(Pair(before.name, before, after, done, any(map(product_named, touched))))
    return out


def _describe(outcome: CaseOutcome, back: Callable[[str], str] = str) -> str:
    top = outcome.hypotheses[0] if outcome.hypotheses else None
    label = f"{top.kind}/{back(top.service)} {top.confidence:.2f}" if top else "-"
    first = outcome.actions[0].action if outcome.actions else "-"
    s = score(outcome)
    marks = "".join(
        flag for flag, on in (("1", s.top1), ("3", s.top3), ("H", s.harmful), ("S", s.silent)) if on
    )
    return f"{label} first={first} [{marks or '-'}]"


def render(label: str, pairs: Sequence[Pair], cases: bool = True) -> str:
    before = summarize([p.original for p in pairs])
    after = summarize([p.rewritten for p in pairs])
    n = before.failing
    lines = [
        f"== {label}: {before.cases} incidents ({n} with a failure), original vs rewritten",
        f"   top-1 {before.top1}/{n} vs {after.top1}/{n}   top-3 {before.top3}/{n} vs "
        f"{after.top3}/{n}   harmful {before.harmful} vs {after.harmful}   silent "
        f"{before.silent} vs {after.silent}   crashes {before.crashes} vs {after.crashes}",
    ]
    changed = [p for p in pairs if p.changed]
    for title, group in (
        ("answers changed", [p for p in changed if not p.product]),
        ("changed, product-named service involved", [p for p in changed if p.product]),
    ):
        lines.append(f"   {title}: {len(group)}")
        for p in group if cases else ():
            lines.append(f"     {p.name}")
            lines.append(f"       original  {_describe(p.original)}")
            lines.append(f"       rewritten {_describe(p.rewritten, p.rewrite.back)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 0
    names = [argv[argv.index("--corpus") + 1]] if "--corpus" in argv else list(DEV)
    if any(n.endswith(("-heldout", "-all")) for n in names):
        print("dev corpora only: the held-out parts are never replayed here")
        return 2
    if "--jitter" in argv:
        rewrite: Callable[[str], Rewritten] = jitter_scenario
        kind = "jitter (a day later, tied alerts reordered)"
    else:
        rewrite = lambda text: rename_scenario(text, seed)  # noqa: E731
        kind = f"renamed (seed {seed})"
    print(f"rewrite: {kind}")
    everything: list[Pair] = []
    for name in names:
        pairs = [p for path in corpus(name) for p in pairs_for(path, rewrite)]
        print(render(name, pairs), flush=True)
        everything += pairs
    if len(names) > 1:
        print(render("all dev corpora", everything, cases=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

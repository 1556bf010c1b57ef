"""Final confidences: what each hypothesis may claim, from the structure of its evidence.

The one place where the confidences the answer shows are set (``final_confidences``), after
every rule has ranked and before actions are chosen. Rules in
``playbooks/reasoning/calibration.yaml``:

- a hypothesis supported by a single weak finding (a metric that moved, a log line: a symptom,
  not its cause) claims at most ``single_weak_cap``;
- an incident has one root cause, so the hypotheses compete for it: in rank order, each claims
  at most what the stronger ones leave (one minus the sum of theirs), never below ``floor``.

The order is kept: a hypothesis never claims more than the one ranked above it. Anything that
adjusts confidence later (history of similar incidents) belongs here, as one more step.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.investigate.models import Finding, Hypothesis
from bot.investigate.reasoning_data import Calibration, calibration


def _single_weak(hyp: Hypothesis, by_summary: dict[str, Finding], rules: Calibration) -> bool:
    cited = [by_summary[e] for e in hyp.evidence if e in by_summary]
    return len(cited) == 1 and str(cited[0].type) in rules.weak_types and len(hyp.evidence) == 1


def final_confidences(
    hypotheses: Sequence[Hypothesis], findings: Sequence[Finding], rules: Calibration | None = None
) -> None:
    """Set each hypothesis's final confidence in place; ``hypotheses`` is in rank order."""
    rules = rules or calibration()
    by_summary = {f.summary: f for f in findings}
    claimed = 0.0
    above: float | None = None
    for hyp in hypotheses:
        conf = hyp.confidence
        if _single_weak(hyp, by_summary, rules):
            conf = min(conf, rules.single_weak_cap)
        if rules.exclusive:
            conf = min(conf, max(rules.floor, 1.0 - claimed))
        if above is not None:
            conf = min(conf, above)
        hyp.confidence = round(max(min(conf, hyp.confidence), 0.0), 3)
        claimed += hyp.confidence
        above = hyp.confidence

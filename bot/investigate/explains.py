"""A cause that explains other readings leads them: a margin above the best, they rank below it.

The reasoning rules that find a cause behind what other hypotheses report (``cascade``,
``datastore_refusal``, ``cpu_bound``, ``quiet_callee``; ``slow_path``, ``signature_causes`` and
``fallback`` for the ranking below) share one shape: the cause's confidence is the rule's
``margin`` above the best reading it explains, within the rule's ``floor`` and ``ceiling``
(``CauseMargin`` in ``reasoning_data``); a hypothesis the list already holds for the cause is
raised to it rather than doubled; and each reading it explains ranks at least ``margin`` below
it, saying why.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.investigate.models import Hypothesis
from bot.investigate.reasoning_data import CauseMargin

#: no reading the reasoning ranks down goes below this
MIN_CONFIDENCE = 0.05


def lead_confidence(explained: Iterable[Hypothesis], rules: CauseMargin) -> float:
    """``rules.margin`` above the best of the ``explained`` readings, within floor and ceiling."""
    best = max((h.confidence for h in explained), default=0.0)
    return round(min(rules.ceiling, max(rules.floor, best + rules.margin)), 3)


def lead(same: Hypothesis | None, cause: Hypothesis, added: list[Hypothesis]) -> Hypothesis | None:
    """The hypothesis that leads: ``cause`` itself when the list holds none for it (``same``
    None; ``cause`` is appended to ``added``), else ``same`` raised to ``cause``'s confidence;
    None when a rule weighed evidence against ``same`` (it stands, and explains nothing)."""
    if same is None:
        added.append(cause)
        return cause
    if same.against:
        return None
    same.confidence = max(same.confidence, cause.confidence)
    return same


def rank_below(hyp: Hypothesis, cause_confidence: float, margin: float, reason: str) -> None:
    """``hyp`` (a reading the cause explains) at least ``margin`` below the cause's confidence
    ``cause_confidence`` (never under ``MIN_CONFIDENCE``), with ``reason`` against it (in place)."""
    hyp.confidence = min(hyp.confidence, round(max(MIN_CONFIDENCE, cause_confidence - margin), 3))
    hyp.against.append(reason)

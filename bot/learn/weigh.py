"""History adjusts an investigation: fixes that worked on similar incidents gain, failures lose.

For each hypothesis, the similar incidents' outcomes about it (its kind judged right or wrong,
or a registry action it recommends that fixed or failed) are counted once per incident: worked
if anything it stands for fixed that incident. Each action is counted the same way, and among
the actions one hypothesis recommends the one with the better record comes first.

The shift is ``bound × (worked − failed) / (worked + failed + 1)`` over recency-weighted counts
(an incident followed by three newer similar ones weighs half): one success moves half the
bound, three in a row about two thirds of it, and when the two latest incidents contradict three
older ones, the latest win — systems change, and a fix that stopped working should stop leading.

The reason is the first line of the hypothesis' evidence ("history: fixed 4 of 5
similar incidents, last #12 on 2026-11-02") and every shift is logged.

History never outranks hard evidence: a hypothesis with evidence against it is never raised,
and a hypothesis history lowers never falls below one with evidence against it that it
outranked before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.investigate.experience import Case, Weighed
from bot.investigate.models import Hypothesis
from bot.learn.enums import Subject
from bot.learn.signature import IncidentSignature
from bot.store import Database, FixOutcome

log = logging.getLogger(__name__)

BOUND = 0.15
HALF_LIFE = 3.0  # similar incidents: one with three newer ones after it weighs half
HISTORY_PREFIX = "history: "
MAX_OUTCOMES = 5000  # the most recent labelled outcomes read (then filtered to similar ones)
_GAP = 0.005  # how far above a refuted hypothesis a lowered one stays


@dataclass(frozen=True)
class Tally:
    worked: int = 0
    failed: int = 0
    last_incident: int | None = None
    last_at: datetime | None = None
    worked_weight: float = 0.0  # the same counts, newer incidents weighing more
    failed_weight: float = 0.0

    @property
    def seen(self) -> int:
        return self.worked + self.failed

    def shift(self, bound: float = BOUND) -> float:
        """Within (−bound, +bound): the recency-weighted balance over the weighted count + 1."""
        w, f = self.worked_weight, self.failed_weight
        return bound * (w - f) / (w + f + 1)

    def reason(self) -> str:
        if self.shift() >= 0:
            text = f"fixed {self.worked} of {self.seen} similar incidents"
        else:
            text = f"did not fix {self.failed} of {self.seen} similar incidents"
        where = f" #{self.last_incident}" if self.last_incident is not None else " one"
        when = f" on {self.last_at:%Y-%m-%d}" if self.last_at is not None else ""
        return f"{text}, last{where}{when}"


def recency(k: int, half_life: float = HALF_LIFE) -> float:
    """The weight of the incident with ``k`` newer similar incidents after it."""
    return float(0.5 ** (k / half_life))


def tally(outcomes: Sequence[FixOutcome], matches: Callable[[FixOutcome], bool]) -> Tally:
    """Count once per incident the outcomes ``matches`` accepts (an incident where one of them
    worked counts as worked), each weighted by ``recency``; the last incident is the latest one
    that agrees with the balance."""
    best: dict[str, FixOutcome] = {}
    for o in sorted(outcomes, key=lambda o: (o.at, o.id or 0)):
        if o.verdict != 0 and matches(o):
            unit = (
                f"i{o.incident_id}" if o.incident_id is not None
                else f"v{o.investigation_id}" if o.investigation_id is not None else f"o{o.id}"
            )  # fmt: skip
            if unit not in best or o.verdict >= best[unit].verdict:
                best[unit] = o
    newest_first = sorted(best.values(), key=lambda o: (o.at, o.id or 0), reverse=True)
    weights = [recency(k) for k in range(len(newest_first))]
    worked_w = sum(w for o, w in zip(newest_first, weights, strict=True) if o.verdict > 0)
    failed_w = sum(w for o, w in zip(newest_first, weights, strict=True) if o.verdict < 0)
    worked = sum(1 for o in newest_first if o.verdict > 0)
    favoured = worked_w >= failed_w
    last = next((o for o in newest_first if (o.verdict > 0) == favoured), None)
    return Tally(
        worked, len(newest_first) - worked, last.incident_id if last else None,
        last.at if last else None, worked_w, failed_w,
    )  # fmt: skip


def _about(h: Hypothesis, actions: set[str]) -> Callable[[FixOutcome], bool]:
    def matches(o: FixOutcome) -> bool:
        if o.subject == Subject.HYPOTHESIS:
            return o.fix == h.kind
        return o.subject == Subject.ACTION and o.fix in actions

    return matches


def _action(name: str) -> Callable[[FixOutcome], bool]:
    return lambda o: o.subject == Subject.ACTION and o.fix == name


def adjust(
    hypotheses: Sequence[Hypothesis],
    outcomes: Sequence[FixOutcome],
    actions_of: Callable[[Hypothesis], list[str]],
    *,
    bound: float = BOUND,
) -> Weighed:
    """The hypotheses with history's bounded shift applied (pure; see the module doc)."""
    before = {id(h): h.confidence for h in hypotheses}
    out: list[Hypothesis] = []
    notes: dict[str, str] = {}
    shifts: dict[str, float] = {}
    for h in hypotheses:
        actions = set(actions_of(h))
        t = tally(outcomes, _about(h, actions))
        for name in actions:
            a = tally(outcomes, _action(name))
            if a.seen:
                notes[name], shifts[name] = a.reason(), a.shift(bound)
        if not t.seen:
            out.append(h)
            continue
        delta = t.shift(bound)
        reason = t.reason()
        if delta > 0 and h.against:
            delta, reason = 0.0, f"{reason}; not raised: the evidence is against it"
        new = min(1.0, max(0.0, h.confidence + delta))
        log.info(
            "history moves %s on %s %.2f -> %.2f (%s)", h.kind, h.service, h.confidence, new,
            reason,
        )  # fmt: skip
        sign = f"{delta:+.2f}" if delta else "±0"
        line = f"{HISTORY_PREFIX}{reason} (confidence {sign})"
        evidence = [line, *(e for e in h.evidence if not e.startswith(HISTORY_PREFIX))]
        out.append(h.model_copy(update={"confidence": new, "evidence": evidence}))
    return Weighed(_keep_refuted_below(hypotheses, out, before), notes, shifts)


def _keep_refuted_below(
    original: Sequence[Hypothesis], adjusted: list[Hypothesis], before: dict[int, float]
) -> list[Hypothesis]:
    """A hypothesis that outranked one with evidence against it still does after history."""
    pairs = list(zip(original, adjusted, strict=True))
    refuted = [(before[id(o)], a.confidence) for o, a in pairs if o.against]
    result = []
    for o, a in pairs:
        if not o.against:
            below = [now for was, now in refuted if was < before[id(o)]]
            if below and a.confidence <= max(below):
                floor = min(before[id(o)], max(below) + _GAP)
                a = a.model_copy(update={"confidence": max(a.confidence, floor)})
        result.append(a)
    return result


class History:
    """``Experience`` backed by the outcomes in the store."""

    def __init__(self, db: Database, *, bound: float = BOUND) -> None:
        self.db, self.bound = db, bound

    def similar(self, signature: IncidentSignature) -> list[FixOutcome]:
        """Labelled outcomes about actions and hypotheses on incidents like this one."""
        with self.db.session() as s:
            rows = s.exec(
                select(FixOutcome)
                .where(col(FixOutcome.subject).in_([Subject.ACTION, Subject.HYPOTHESIS]))
                .order_by(col(FixOutcome.at).desc())
                .limit(MAX_OUTCOMES)
            ).all()  # fmt: skip
        return [
            r for r in rows
            if IncidentSignature.load(r.signature, r.incident_class).similar_to(signature)
        ]  # fmt: skip

    def weigh(
        self,
        case: Case,
        hypotheses: list[Hypothesis],
        actions_of: Callable[[Hypothesis], list[str]],
    ) -> Weighed:
        outcomes = self.similar(IncidentSignature.of(case))
        if not outcomes:
            return Weighed(list(hypotheses))
        return adjust(hypotheses, outcomes, actions_of, bound=self.bound)

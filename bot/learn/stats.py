"""The figures of learning: how often analyses help, how often the first guess was right, which
fixes are common, and how much the bot fixed by itself.

- ``helpful``: of the analyses judged (👍 / 👎, or a rating: 4–5 helpful, 1–2 not), the share
  judged helpful;
- ``top1``: per week, of the investigations whose fix became known (a confirmed or failed action,
  a hypothesis judged), the share where the first recommended action fixed it or the top
  hypothesis was judged right;
- ``common_fixes``: the fixes that worked on the most incidents;
- ``automation``: of the incidents resolved in the last 30 days, the share a verified
  remediation helped (``bot.observability.store_stats.automation_rate``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from bot.learn.enums import Subject
from bot.observability.store_stats import automation_rate
from bot.store import CaseSignature, Database, FixOutcome, Investigation


@dataclass(frozen=True)
class Period:
    week: str  # ISO year-week, e.g. 2026-W45
    labelled: int
    hits: int

    @property
    def accuracy(self) -> float:
        return self.hits / self.labelled if self.labelled else 0.0


@dataclass(frozen=True)
class LearningStats:
    judged: int = 0
    helpful: int = 0
    top1: list[Period] = field(default_factory=list)
    common_fixes: list[tuple[str, int]] = field(default_factory=list)  # "subject fix", incidents
    automation: float | None = None
    outcomes: int = 0

    @property
    def helpful_share(self) -> float | None:
        return self.helpful / self.judged if self.judged else None

    @property
    def top1_accuracy(self) -> float | None:
        labelled = sum(p.labelled for p in self.top1)
        return sum(p.hits for p in self.top1) / labelled if labelled else None


def _week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def _top1(rows: list[FixOutcome], cases: list[tuple[CaseSignature, int | None]]) -> list[Period]:
    by_unit: dict[str, list[FixOutcome]] = defaultdict(list)
    for r in rows:
        if r.incident_id is not None:
            by_unit[f"i{r.incident_id}"].append(r)
        if r.investigation_id is not None:
            by_unit[f"v{r.investigation_id}"].append(r)
    periods: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, incident_id in cases:
        unit = f"i{incident_id}" if incident_id is not None else f"v{case.investigation_id}"
        known = [o for o in by_unit.get(unit, []) if o.verdict != 0]
        worked = {o.fix for o in known if o.subject == Subject.ACTION and o.verdict > 0}
        right = {o.fix for o in known if o.subject == Subject.HYPOTHESIS and o.verdict > 0}
        judged = {o.fix for o in known if o.subject in (Subject.ACTION, Subject.HYPOTHESIS)}
        if not judged:
            continue
        hit = case.first_action in worked or case.top_hypothesis in right
        p = periods[_week(case.at)]
        p[0] += 1
        p[1] += int(hit)
    return [Period(w, n, h) for w, (n, h) in sorted(periods.items())]


def learning_stats(db: Database, *, now: datetime | None = None, top: int = 5) -> LearningStats:
    with db.session() as s:
        rows = list(s.exec(select(FixOutcome)))
        cases = [
            (c, inc)
            for c, inc in s.exec(
                select(CaseSignature, Investigation.incident_id).join(
                    Investigation, col(Investigation.id) == col(CaseSignature.investigation_id)
                )
            )
        ]  # fmt: skip
    analysis = [r for r in rows if r.subject == Subject.ANALYSIS and r.verdict != 0]
    fixes: Counter[str] = Counter()
    seen: set[tuple[str, str, str]] = set()
    for r in rows:
        if r.verdict > 0 and r.subject in (Subject.ACTION, Subject.RUNBOOK, Subject.TEXT):
            unit = (str(r.incident_id or r.investigation_id or r.id), r.subject, r.fix)
            if unit not in seen:
                seen.add(unit)
                fixes[f"{r.subject} {r.fix}"] += 1
    return LearningStats(
        judged=len(analysis), helpful=sum(1 for r in analysis if r.verdict > 0),
        top1=_top1(rows, cases), common_fixes=fixes.most_common(top),
        automation=automation_rate(db, now=now), outcomes=len(rows),
    )  # fmt: skip

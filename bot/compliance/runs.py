"""Compliance runs in the store: record each evaluation, and say what changed since the last
one (score, rules that started or stopped failing, resources newly failing or fixed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from bot.compliance.evaluate import ComplianceReport
from bot.store.db import Database
from bot.store.models_ops import ComplianceRun


@dataclass(frozen=True)
class Trend:
    previous_at: datetime | None
    previous_score: float | None
    score: float
    newly_failing: dict[str, list[str]] = field(default_factory=dict)  # rule -> resource ids
    fixed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def delta(self) -> float | None:
        return None if self.previous_score is None else round(self.score - self.previous_score, 1)


def _failing(report: ComplianceReport) -> dict[str, list[str]]:
    """Failing resource ids by rule; with several accounts ``account/id`` (an IAM user's name
    or a bucket's can repeat across accounts). AWS Config rules count under their own key."""
    ours = {
        r.rule.id: sorted(f"{res.account}/{res.id}" if res.account else res.id for res in r.failing)
        for r in report.results
        if r.error is None
    }
    return ours | {c.key: sorted(rid for _, rid in c.failing) for c in report.config}


def record(db: Database, report: ComplianceReport, now: datetime) -> Trend:
    """Store this run and compare it with the one before."""
    failing = _failing(report)
    with db.session() as s:
        last = s.exec(
            select(ComplianceRun).order_by(
                col(ComplianceRun.at).desc(), col(ComplianceRun.id).desc()
            )
        ).first()
        before: dict[str, list[str]] = dict(last.by_rule) if last is not None else {}
        s.add(
            ComplianceRun(
                at=now,
                score=report.score,
                checks=report.checks,
                failures=report.failures,
                by_rule=failing,
            )
        )
        s.commit()
        previous = (last.at, last.score) if last is not None else (None, None)
    newly = {
        rule: sorted(set(ids) - set(before.get(rule, [])))
        for rule, ids in failing.items()
        if set(ids) - set(before.get(rule, []))
    }
    fixed = {
        rule: sorted(set(ids) - set(failing.get(rule, [])))
        for rule, ids in before.items()
        if set(ids) - set(failing.get(rule, []))
    }
    return Trend(previous[0], previous[1], report.score, newly, fixed)

"""Alert-escalation learning: how often a warning turned into a critical alert on the same
service, and how long it took ("High Memory Warning became Out Of Memory Critical 67% of the
time, after 2.3 h on average"); shown on new warnings.

Counting: each warning *episode* (a firing of warning W on service S; repeats within
``dedup`` count once) is followed, or not, by a critical alert C on the same service within
``horizon``. For every pair (W, C): P = episodes followed by C / episodes of W, and the mean
delay between them. Pairs seen fewer than ``min_support`` times are not reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class AlertEvent:
    name: str
    service: str | None
    severity: str
    at: datetime

    @classmethod
    def of(cls, alert: Any) -> AlertEvent:
        """From a store ``Alert`` row (or anything with name/service/severity/starts_at)."""
        return cls(alert.name, alert.service, alert.severity, alert.starts_at)


@dataclass(frozen=True)
class Escalation:
    warning: str
    critical: str
    probability: float
    mean_delay: timedelta
    escalated: int
    episodes: int

    def describe(self) -> str:
        hours = self.mean_delay / timedelta(hours=1)
        delay = (
            f"{hours:.1f} h" if hours >= 1 else f"{self.mean_delay / timedelta(minutes=1):.0f} min"
        )
        return (
            f"{self.warning} became {self.critical} {100 * self.probability:.0f}% of the time, "
            f"after {delay} on average ({self.escalated} of {self.episodes})"
        )


class EscalationModel:
    def __init__(self, table: dict[str, list[Escalation]]) -> None:
        self.table = table

    def for_warning(self, name: str) -> list[Escalation]:
        return self.table.get(name, [])

    def hint(self, name: str) -> str | None:
        """The line the Slack layer shows on a new warning, or None when history is silent."""
        found = self.for_warning(name)
        return found[0].describe() if found else None


def learn(
    history: Iterable[AlertEvent],
    *,
    horizon: timedelta = timedelta(hours=24),
    dedup: timedelta = timedelta(hours=1),
    min_support: int = 2,
) -> EscalationModel:
    events = sorted(history, key=lambda e: e.at)
    criticals: dict[str | None, list[AlertEvent]] = defaultdict(list)
    for e in events:
        if e.severity == "critical":
            criticals[e.service].append(e)
    episodes: dict[str, int] = defaultdict(int)
    followed: dict[tuple[str, str], list[timedelta]] = defaultdict(list)
    last_seen: dict[tuple[str, str | None], datetime] = {}
    for e in events:
        if e.severity != "warning":
            continue
        key = (e.name, e.service)
        previous = last_seen.get(key)
        last_seen[key] = e.at
        if previous is not None and e.at - previous < dedup:
            continue
        episodes[e.name] += 1
        seen: set[str] = set()
        for c in criticals.get(e.service, []):
            delay = c.at - e.at
            if delay < timedelta(0) or delay > horizon or c.name in seen:
                continue
            seen.add(c.name)
            followed[(e.name, c.name)].append(delay)
    table: dict[str, list[Escalation]] = defaultdict(list)
    for (warning, critical), delays in followed.items():
        if len(delays) < min_support:
            continue
        mean = sum(delays, timedelta(0)) / len(delays)
        table[warning].append(
            Escalation(
                warning,
                critical,
                len(delays) / episodes[warning],
                mean,
                len(delays),
                episodes[warning],
            )  # fmt: skip
        )
    for rows in table.values():
        rows.sort(key=lambda r: (-r.probability, r.mean_delay))
    return EscalationModel(dict(table))


def learn_from_store(db: Any, *, since: datetime, **kw: Any) -> EscalationModel:
    """Learn from every stored alert that started after ``since`` (webhook alerts only:
    predictions do not teach escalation)."""
    from sqlmodel import select

    from bot.store.models import Alert

    with db.session() as session:
        rows = session.exec(
            select(Alert).where(Alert.starts_at >= since, Alert.source != "aiops")
        ).all()
        return learn([AlertEvent.of(r) for r in rows], **kw)

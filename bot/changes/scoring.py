"""Change correlation: how likely each recent change caused an incident (pure).

score = time × service × environment × kind, each in [0, 1]:
- time: changes after the incident started score 0; before, ``exp(-age / 60 min)`` (a deploy
  ten minutes before scores 0.85, one three hours before 0.05);
- service: the root service 1.0, another affected service 0.8, a dependency of one (upstream)
  0.6, a dependent (downstream) 0.3, no service named 0.1, unrelated 0;
- environment: same or unknown 1.0 / 0.8, different 0.2;
- kind: deployment 1.0, config 0.9, feature_flag 0.8, infra 0.7, scaling 0.5, iam 0.4.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.topology import Topology

KIND_WEIGHT = {
    "deployment": 1.0,
    "config": 0.9,
    "feature_flag": 0.8,
    "infra": 0.7,
    "scaling": 0.5,
    "iam": 0.4,
}
TAU = timedelta(minutes=60)
GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class ChangeFacts:
    id: int
    kind: str
    at: datetime
    service: str | None = None
    environment: str | None = None


@dataclass(frozen=True)
class IncidentFacts:
    started_at: datetime
    root_service: str | None
    services: Sequence[str]
    environment: str | None = None


@dataclass(frozen=True)
class Scored:
    change_id: int
    score: float
    why: str


def _service_factor(change: ChangeFacts, inc: IncidentFacts, topo: Topology) -> tuple[float, str]:
    s = change.service
    if not s:
        return 0.1, "no service"
    if s == inc.root_service:
        return 1.0, "root service"
    if s in inc.services:
        return 0.8, "affected service"
    for svc in inc.services:
        if s in topo.upstream(svc):
            return 0.6, f"dependency of {svc}"
    for svc in inc.services:
        if s in topo.downstream(svc):
            return 0.3, f"depends on {svc}"
    return 0.0, "unrelated service"


def score_change(change: ChangeFacts, inc: IncidentFacts, topo: Topology) -> Scored:
    age = inc.started_at - change.at
    if age < -GRACE:
        return Scored(change.id, 0.0, "after the incident started")
    time_f = math.exp(-max(age, timedelta(0)) / TAU)
    svc_f, why = _service_factor(change, inc, topo)
    if change.environment and inc.environment:
        env_f = 1.0 if change.environment.lower() == inc.environment.lower() else 0.2
    else:
        env_f = 0.8 if change.environment or inc.environment else 1.0
    kind_f = KIND_WEIGHT.get(change.kind, 0.5)
    minutes = int(age.total_seconds() // 60)
    score = round(time_f * svc_f * env_f * kind_f, 3)
    return Scored(change.id, score, f"{change.kind} {minutes} min before, {why}")


def top_changes(
    changes: Iterable[ChangeFacts],
    inc: IncidentFacts,
    topo: Topology,
    *,
    limit: int = 3,
    min_score: float = 0.02,
) -> list[Scored]:
    scored = [score_change(c, inc, topo) for c in changes]
    good = [s for s in scored if s.score >= min_score]
    return sorted(good, key=lambda s: (-s.score, s.change_id))[:limit]

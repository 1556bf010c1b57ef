"""Storm verdicts decided by one kind of evidence alone (pure functions over what
``bot.correlate.storm.StormEvidence`` gathered; the rules are in ``bot.correlate.elect``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.correlate.elect import StormVerdict, rank
from bot.correlate.explain import change_why
from bot.topology import Topology


def by_change(
    changes: Mapping[str, tuple[datetime, int]],
    own: Mapping[str, object],  # services with anomalies of their own
    first_symptom: datetime | None,
    blame: Mapping[str, float],
    depends: Callable[[str], int],
    topology: Topology,
) -> StormVerdict | None:
    """A deploy, rollout or configuration change made no later than the storm's first symptom,
    on a service the storm implicates or one of their dependencies (``changes``: service →
    (when, arrival order); ``blame``: the call blame per service). Several: the more blamed,
    then the one the others depend on, then the first."""
    implicated = set(blame) | set(own)
    near = {d for s in implicated for d in topology.upstream(s)}
    before = {
        s
        for s, (at, _) in changes.items()
        if (first_symptom is None or at <= first_symptom) and (s in implicated or s in near)
    }
    if not before:
        return None
    order = rank(
        {s: blame.get(s, 0.0) + 1.0 for s in before}, depends, {s: changes[s][1] for s in before}
    )
    top = order[0]
    return StormVerdict(
        service=top,
        entity=None,
        basis="change",
        confidence=0.8 if len(order) == 1 else 0.6,
        runner_up=order[1] if len(order) > 1 else None,
        why=change_why(top, changes[top][0], first_symptom),
    )

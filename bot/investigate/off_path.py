"""A failure off the alerted services' path explains none of their symptoms.

An incident's alerts name the services whose symptoms the investigation explains. A hypothesis
on a service that none of them depends on and that depends on none of them (a sibling behind the
same front end, another failure in the namespace) cannot have produced those symptoms, however
sure its own reading is. It stays in the list, ranked ``margin`` below the best reading on the
path, and says why. Only where the topology knows the alerted services' edges: with no declared
dependencies, "unrelated" would only mean "not described". Rules in
``playbooks/reasoning/off_path.yaml``; no service is named here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache

from pydantic import Field

from bot.configfile import FrozenModel
from bot.investigate.context import Topology
from bot.investigate.explains import rank_below
from bot.investigate.models import Hypothesis
from bot.investigate.reasoning_data import load


class OffPath(FrozenModel):
    margin: float = Field(ge=0.0, le=0.5)
    because: str


@lru_cache(maxsize=1)
def off_path_rules() -> OffPath:
    return load(OffPath, "off_path.yaml")


def _connected(service: str, topo: Topology) -> bool:
    return bool(topo.depends_on(service) or topo.dependents(service))


def apply(hypotheses: Sequence[Hypothesis], alerted: Collection[str], topo: Topology) -> None:
    """Rank the hypotheses on services off every alerted service's path below the best one on
    a path (in place)."""
    targets = sorted(s for s in set(alerted) if s in topo and _connected(s, topo))
    if not targets:
        return
    near = set(targets)
    for t in targets:
        near.update(topo.dependencies(t))
        near.update(topo.dependents(t))
    on_path = [h for h in hypotheses if h.service in near]
    off = [
        h
        for h in hypotheses
        if h.service not in near and h.service in topo and _connected(h.service, topo)
    ]
    if not on_path or not off:
        return
    rules = off_path_rules()
    best = max(h.confidence for h in on_path)
    for hyp in off:
        if hyp.confidence > best - rules.margin:
            reason = rules.because.format(service=hyp.service, alerted=", ".join(targets))
            rank_below(hyp, best, rules.margin, reason)

"""Electing a storm's root through the real correlator, for the storm election tests."""

from __future__ import annotations

from bot.correlate import AlertFacts, Correlator, StormVerdict
from bot.correlate.models import CorrelationConfig
from bot.topology import Topology


def elect(
    topology: Topology, alerts: list[AlertFacts], config: CorrelationConfig | None = None
) -> StormVerdict:
    """Place ``alerts`` in order; they must form one group; its storm verdict."""
    corr = Correlator(topology, config=config)
    for a in alerts:
        corr.place(a)
    (key,) = {corr.group_of(a.id) for a in alerts}
    assert key is not None
    verdict = corr.storm_verdict(key)
    assert verdict is not None
    return verdict

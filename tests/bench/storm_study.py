"""Studying the storm election on the development storms (used by ``bench_storms.py``):

- ``timeline``: per storm, the true root, the elected root and its basis, and for each service
  its own anomalies (metric and log alerts on its entities), the anomalous calls into it (trace
  alerts as callee) and out of it (as caller), each as ``first time, count`` and the first few;
- ``folds``: the election's weights (``CorrelationConfig.storm_own_weight``,
  ``storm_fan_in_power``) chosen on one half of the storms and scored on the other, both ways
  (a seeded split), with the default weights and the naive baseline on the same halves: how
  far a weight chosen on some storms carries to storms it was not chosen on.

The correlator is fed directly (no webhooks) so a grid of weights stays cheap.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.correlate import AlertFacts, Correlator, StormVerdict
from bot.correlate.calls import read_call
from bot.correlate.entities import EntityMap
from bot.correlate.models import CorrelationConfig
from bot.topology import Topology
from sandbox.scenario import LoadedScenario

START = datetime(2025, 1, 1, tzinfo=UTC)
#: the grid the weights are chosen from (own weight x fan-in power)
OWN_WEIGHTS = (0.0, 0.2, 1.0)
FAN_IN_POWERS = (0.0, 0.5, 1.0, 1.25, 1.5, 2.0)


def facts(loaded: LoadedScenario) -> list[AlertFacts]:
    """The storm's alerts as the correlator sees them, in time order."""
    out = []
    for a in sorted(loaded.scenario.alerts, key=lambda a: a.at):
        labels = {str(k): str(v) for k, v in (a.labels or {}).items()}
        out.append(AlertFacts(a.id, START + a.at, a.name, a.service, labels, a.summary or ""))
    return out


def verdict(loaded: LoadedScenario, config: CorrelationConfig | None = None) -> StormVerdict | None:
    """The correlator's verdict on the group holding most of the storm's alerts."""
    corr = Correlator(Topology.from_services(loaded.scenario.services), config=config)
    for alert in facts(loaded):
        corr.place(alert)
    main = max(corr.views(), key=lambda v: len(v.alerts))
    return corr.storm_verdict(main.key)


@dataclass
class Track:
    own: list[tuple[float, str]] = field(default_factory=list)
    calls_in: list[tuple[float, str]] = field(default_factory=list)
    calls_out: list[tuple[float, str]] = field(default_factory=list)


def _line(label: str, events: list[tuple[float, str]], shown: int = 4) -> str:
    if not events:
        return ""
    head = ", ".join(f"{t:+.0f}s {what}" for t, what in events[:shown])
    more = f" +{len(events) - shown} more" if len(events) > shown else ""
    return f" {label} {len(events)} from {events[0][0]:+.0f}s ({head}{more});"


def timeline(loaded: LoadedScenario) -> list[str]:
    """Lines describing one storm: truth, verdict, and each service's three kinds of alerts."""
    truth = loaded.truth
    assert truth is not None and truth.root_cause is not None
    v = verdict(loaded)
    entities = EntityMap(s.name for s in loaded.scenario.services)
    tracks: dict[str, Track] = {}
    for alert in facts(loaded):
        t = (alert.at - START).total_seconds()
        call = read_call(alert, entities)
        if call is not None:
            side = "" if call.server else " (client span)"
            tracks.setdefault(call.callee, Track()).calls_in.append(
                (t, f"{call.caller_entity}>{call.callee_entity} {alert.name}{side}")
            )
            tracks.setdefault(call.caller, Track()).calls_out.append(
                (t, f">{call.callee_entity} {alert.name}")
            )
            continue
        entity = alert.labels.get("entity") or alert.labels.get("pod") or ""
        service = alert.service or entities.service_of(entity) or "(no service)"
        tracks.setdefault(service, Track()).own.append((t, f"{entity} {alert.name}"))
    want = truth.root_cause.service
    got = v.service if v else None
    lines = [
        f"{'ok' if got == want else '--'} truth {want}; elected {got} "
        f"({v.basis if v else 'no verdict'}, confidence {v.confidence if v else 0:.2f})"
    ]
    for service, track in sorted(tracks.items(), key=lambda kv: -len(kv[1].calls_in)):
        mark = "*" if service == want else " "
        lines.append(
            f"  {mark}{service}:"
            + _line("own", track.own)
            + _line("in", track.calls_in)
            + _line("out", track.calls_out)
        )
    return lines


@dataclass(frozen=True)
class Weights:
    own_weight: float
    fan_in_power: float

    def config(self) -> CorrelationConfig:
        return CorrelationConfig(
            storm_own_weight=self.own_weight, storm_fan_in_power=self.fan_in_power
        )


def _default() -> Weights:
    c = CorrelationConfig()
    return Weights(c.storm_own_weight, c.storm_fan_in_power)


def folds(
    storms: Sequence[LoadedScenario], baseline: Sequence[bool], seed: int = 20261207
) -> list[str]:
    """Choose the weights on one half, score them on the other, both ways; ``baseline``: per
    storm, whether the naive baseline was right. Ties in training go to the smaller weights."""
    grid = [Weights(w, p) for w in OWN_WEIGHTS for p in FAN_IN_POWERS]
    default = _default()
    if default not in grid:
        grid.append(default)
    truth = [s.truth.root_cause.service for s in storms if s.truth and s.truth.root_cause]
    right: dict[Weights, list[bool]] = {}
    for weights in grid:
        got = [verdict(s, weights.config()) for s in storms]
        right[weights] = [v is not None and v.service == t for v, t in zip(got, truth, strict=True)]
    order = list(range(len(storms)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    a, b = sorted(order[:half]), sorted(order[half:])

    def hits(weights: Weights, idx: Iterable[int]) -> int:
        return sum(right[weights][i] for i in idx)

    lines = []
    for name, train, test in (("A→B", a, b), ("B→A", b, a)):
        chosen = max(grid, key=lambda w: (hits(w, train), -w.fan_in_power, -w.own_weight))
        lines.append(
            f"[storms folds] {name}: chose own_weight {chosen.own_weight}, fan_in_power "
            f"{chosen.fan_in_power} ({hits(chosen, train)}/{len(train)} on its half); on the "
            f"other half {hits(chosen, test)}/{len(test)}, defaults {hits(default, test)}/"
            f"{len(test)}, no own weight and no fan-in {hits(Weights(0.0, 0.0), test)}/"
            f"{len(test)}, baseline {sum(baseline[i] for i in test)}/{len(test)}"
        )
    for weights in grid:
        marks = "".join("+" if r else "-" for r in right[weights])
        lines.append(
            f"[storms folds] own_weight {weights.own_weight:<4} fan_in_power "
            f"{weights.fan_in_power:<4}: {sum(right[weights])}/{len(storms)} {marks}"
        )
    return lines

"""Studying the storm election on the development storms (used by ``bench_storms.py``):

- ``timeline``: per storm, the true root, the elected root and its basis, and for each service
  its own anomalies (metric and log alerts on its entities), the anomalous calls into it (trace
  alerts as callee) and out of it (as caller), each as ``first time, count`` and the first few;
- ``verdict``: the correlator's verdict on a storm, fed directly (no webhooks), so a grid of
  weights stays cheap (``storm_cv`` chooses among them by cross-validation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.correlate import AlertFacts, Correlator, StormVerdict
from bot.correlate.calls import read_call
from bot.correlate.entities import EntityMap
from bot.correlate.models import CorrelationConfig
from bot.topology import Topology
from sandbox.scenario import LoadedScenario

START = datetime(2025, 1, 1, tzinfo=UTC)


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

"""The learned storm ranker's harness (``tests/bench/storm_rank.py``): its structural features
on a small synthetic storm with made-up names, and a fit that finds a separating feature."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from bot.correlate import AlertFacts
from bot.correlate.entities import EntityMap
from bot.correlate.storm import StormEvidence
from bot.topology import Topology
from tests.bench.storm_rank import FEATURES, RankStorm, features, fit, right

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TOPOLOGY = Topology({"gate": ["ledger", "vault"], "ledger": ["vault"], "vault": []})


def _storm() -> tuple[StormEvidence, dict[str, dict[str, float]]]:
    ev = StormEvidence(EntityMap(TOPOLOGY.services))
    alerts = [
        AlertFacts("o1", T0, "metric:cpu_usage:up", "vault", {"pod": "vault-0"}),
        AlertFacts("o2", T0, "metric:memory_rss:up", "vault", {"pod": "vault-0"}),
        AlertFacts("o3", T0, "metric:cpu_usage:up", "ledger", {"pod": "ledger-1"}),
    ]
    for i, (caller, callee) in enumerate(
        [("gate-0", "vault-0"), ("ledger-0", "vault-0"), ("gate-1", "ledger-1")]
    ):
        labels = {"caller": caller, "callee": callee, "operation": "Get"}
        service = callee.split("-")[0]
        at = T0 + timedelta(seconds=20)
        alerts.append(AlertFacts(f"c{i}", at, "trace:PD", service, labels))
    for seq, alert in enumerate(alerts):
        ev.add(seq, alert)
    services, x, _ = features(ev, TOPOLOGY)
    rows = zip(services, x, strict=True)
    return ev, {s: dict(zip(FEATURES, row, strict=True)) for s, row in rows}


def test_own_anomalies_are_counted_per_family_on_the_heaviest_replica() -> None:
    _, f = _storm()
    assert f["vault"]["own cpu"] > 0 and f["vault"]["own memory"] > 0
    assert f["ledger"]["own cpu"] > 0 and f["ledger"]["own memory"] == 0
    assert f["gate"]["own cpu"] == 0 and f["gate"]["own total"] == 0


def test_calls_in_and_out_and_the_callers_are_counted_per_service() -> None:
    _, f = _storm()
    assert f["vault"]["callers"] == 2 and f["vault"]["calls out"] == 0
    assert f["ledger"]["callers"] == 1 and f["ledger"]["callees"] == 1
    assert f["gate"]["calls in"] == 0 and f["gate"]["callees"] == 2
    assert f["vault"]["calls in share"] == 2 / 3
    assert f["vault"]["in over in+out"] == 1.0


def test_time_and_graph_features() -> None:
    _, f = _storm()
    # own anomalies 20 s before the first traced call: before the symptom, with a lead
    assert f["vault"]["own before symptom"] == 1.0
    assert f["vault"]["own lead"] == 20 / 60
    assert f["gate"]["own before symptom"] == 0.0
    assert f["vault"]["topology leaf"] == 1.0 and f["gate"]["topology leaf"] == 0.0
    assert f["vault"]["topology dependents"] == 2
    assert sum(f[s]["elected"] for s in f) == 1


def test_a_fit_learns_the_feature_that_marks_the_root_and_ranks_unseen_storms() -> None:
    rng = np.random.default_rng(1)
    storms = []
    for i in range(30):
        x = rng.normal(size=(4, len(FEATURES)))
        truth = i % 4
        x[truth, 0] += 3.0  # the root's first feature stands out
        storms.append(RankStorm(f"s{i}", ["a", "b", "c", "d"], x, truth, None))
    ranker = fit(storms[:20], l2=0.01)
    assert sum(right(ranker, s) for s in storms[20:]) >= 9
    assert int(np.argmax(np.abs(ranker.w))) == 0

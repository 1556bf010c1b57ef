"""The storm verdict: its basis and confidence, the alert-role data, and the propagation on its
own (``bot.correlate.elect``)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.correlate import AlertFacts, Correlator, StormVerdict
from bot.correlate.elect import carry_down, share_confidence
from bot.correlate.roles import load_roles, roles
from bot.errors import ConfigError
from bot.topology import Topology

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _call(i: str, s: int, caller: str, callee: str, name: str = "trace:500") -> AlertFacts:
    service = callee.rsplit("-", 1)[0]
    labels = {"caller": caller, "callee": callee}
    return AlertFacts(i, T0 + timedelta(seconds=s), name, service, labels)


def _verdict(topology: Topology, alerts: list[AlertFacts]) -> StormVerdict | None:
    corr = Correlator(topology)
    for a in alerts:
        corr.place(a)
    (key,) = {corr.group_of(a.id) for a in alerts}
    assert key is not None
    return corr.storm_verdict(key)


def test_a_clear_callee_is_named_with_more_confidence_than_a_split_one() -> None:
    topology = Topology({"web": ["orders", "stock"], "orders": [], "stock": []})
    web = AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0", "callee": "web-0"})
    clear = _verdict(
        topology,
        [web, _call("a", 0, "web-0", "orders-0"), _call("b", 1, "web-1", "orders-0")],
    )
    split = _verdict(
        topology,
        [web, _call("a", 0, "web-0", "orders-0"), _call("b", 1, "web-1", "stock-0")],
    )
    assert clear is not None and split is not None
    assert clear.service == "orders" and clear.basis == "calls"
    assert split.runner_up is not None
    assert split.confidence < clear.confidence


def test_a_change_before_the_symptoms_is_the_basis_and_is_confident() -> None:
    topology = Topology({"web": ["orders"], "orders": []})
    change = AlertFacts("d", T0 - timedelta(minutes=2), "DeploymentRolledOut", "orders")
    verdict = _verdict(topology, [change, _call("a", 0, "web-0", "orders-0")])
    assert verdict is not None
    assert (verdict.service, verdict.basis, verdict.alert) == ("orders", "change", "d")
    assert verdict.confidence >= 0.6


def test_not_a_storm_has_no_verdict() -> None:
    corr = Correlator(Topology({"web": ["orders"], "orders": []}))
    placed = corr.place(AlertFacts("a", T0, "HighLatency", "web"))
    assert corr.storm_verdict(placed.key) is None


def test_confidence_runs_from_a_tie_to_an_unopposed_winner() -> None:
    assert share_confidence(3.0, 3.0) == pytest.approx(0.2)
    assert share_confidence(3.0, 0.0) == pytest.approx(0.6)
    assert 0.2 < share_confidence(3.0, 1.0) < 0.6


def test_blame_rests_where_the_anomalous_calls_end_and_cycles_do_not_drain() -> None:
    out = {"a": Counter({"b": 1}), "b": Counter({"a": 1})}  # a call cycle
    blame = carry_down({"a": 2.0}, out, pass_down=0.5)
    assert sum(blame.values()) == pytest.approx(2.0)  # nothing created, nothing lost
    assert blame["a"] > blame["b"] > 0


def test_alert_roles_classify_causes_symptoms_and_routine_lines() -> None:
    book = roles()
    assert book.classify("metric:container_cpu_usage_seconds:up").role == "resource"
    assert book.classify("metric:grpc-mrt:up").role == "symptom"
    assert book.classify("KubePodCrashLooping").role == "crash"
    assert book.classify("ArgoRolloutCompleted", kpi="").role == "change"
    assert book.classify("log:template-9", "connection refused by db:5432").role == "error"
    assert book.classify("log:template-8", "DB saved on disk").role == "routine"
    first = book.classify("log:template-1", "Application started")
    second = book.classify("log:template-2", "Now listening on: http://0.0.0.0:80")
    assert first.key == second.key  # one restart, however many lines it prints


def test_a_broken_roles_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    bad.write_text("rules:\n  - {role: resource, weight: 1, name: 'cpu(('}\n")
    with pytest.raises(ConfigError, match=r"roles\.yaml: rules\.0\.name"):
        load_roles(bad)
    bad.write_text("rules:\n  - {role: cause, weight: 1}\n")
    with pytest.raises(ConfigError, match=r"rules\.0\.role"):
        load_roles(bad)
